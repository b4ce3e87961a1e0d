// Administrators' second factor: TOTP (RFC 6238, through the otpauth library) and one-time recovery codes.
import { createHash, randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

const ISSUER = 'facegate';
/** Authenticator apps' defaults: SHA-1, 6 digits, 30 seconds (others are not supported everywhere). */
const TOTP_PARAMS = { issuer: ISSUER, algorithm: 'SHA1', digits: 6, period: 30 } as const;
/** Codes of the previous and next step are accepted too (clock drift, a code typed at the step's end). */
const WINDOW = 1;

export const RECOVERY_CODE_COUNT = 10;
/** Letters and digits that cannot be mistaken for one another; 16 of them are 79 bits. */
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const RECOVERY_LENGTH = 16;

function totp(secret: Uint8Array, account = ''): TOTP {
  return new TOTP({ ...TOTP_PARAMS, label: account, secret: new Secret({ buffer: Uint8Array.from(secret).buffer }) });
}

/** A new random TOTP secret (20 bytes, RFC 4226's recommendation). */
export function newTotpSecret(): Buffer {
  return Buffer.from(new Secret({ size: 20 }).bytes);
}

/** What an authenticator app is given: the base32 secret and the otpauth:// URI (a QR code of it). */
export function totpEnrolment(secret: Uint8Array, account: string): { secret: string; uri: string } {
  const t = totp(secret, account);
  return { secret: t.secret.base32, uri: t.toString() };
}

/** The 30-second time step a valid code belongs to (now, or one step either side); null for a wrong code. */
export function totpStep(secret: Uint8Array, code: string, now = Date.now()): number | null {
  const t = totp(secret);
  const delta = t.validate({ token: code, timestamp: now, window: WINDOW });
  return delta === null ? null : t.counter({ timestamp: now }) + delta;
}

/** A 6-digit code as typed ("123 456"), or null when it is not one (a recovery code, perhaps). */
export function totpCode(typed: string): string | null {
  const code = typed.replace(/[\s-]/g, '');
  return /^\d{6}$/.test(code) ? code : null;
}

/** Ten new recovery codes, as shown to the administrator once ("abcd-efgh-jkmn-pqrs"). */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from({ length: RECOVERY_LENGTH }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join('');
    return chars.match(/.{4}/g)!.join('-');
  });
}

/**
 * What is stored of a recovery code: SHA-256 of its normalised form (case, spaces and dashes ignored).
 * A fast hash is enough for 79 random bits; null when the text cannot be a recovery code.
 */
export function recoveryCodeHash(typed: string): string | null {
  const code = typed.toLowerCase().replace(/[\s-]/g, '');
  if (code.length !== RECOVERY_LENGTH || [...code].some((c) => !RECOVERY_ALPHABET.includes(c))) return null;
  return createHash('sha256').update(code).digest('hex');
}
