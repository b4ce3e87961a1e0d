import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/**
 * Admin passwords: argon2id (memory-hard; @node-rs/argon2 ships prebuilt binaries inside npm packages,
 * so it installs offline). Library defaults: argon2id, m=19 MiB, t=2, p=1 (OWASP's minimum), PHC string.
 */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false; // malformed hash: treat as a mismatch rather than a crash at login
  }
}

/**
 * API keys look like `fg_<prefix>_<secret>`. The prefix is public (listed, unique, used for the lookup);
 * only sha256(secret) is stored: the secret is 32 random bytes, so a fast hash is enough.
 */
export function generateApiKey(): { key: string; prefix: string; secretHash: string } {
  const prefix = randomBytes(6).toString('base64url');
  const secret = randomBytes(32).toString('base64url');
  return { key: `fg_${prefix}_${secret}`, prefix, secretHash: hashApiKeySecret(secret) };
}

export function parseApiKey(key: string): { prefix: string; secret: string } | undefined {
  const match = /^fg_([A-Za-z0-9_-]{8})_([A-Za-z0-9_-]{43})$/.exec(key);
  return match ? { prefix: match[1]!, secret: match[2]! } : undefined;
}

export function hashApiKeySecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function verifyApiKeySecret(secret: string, secretHash: string): boolean {
  const expected = Buffer.from(secretHash, 'hex');
  const actual = createHash('sha256').update(secret, 'utf8').digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
