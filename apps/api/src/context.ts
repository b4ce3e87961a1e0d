import { BlockList, isIP } from 'node:net';
import type { Viewer } from './auth/viewer.ts';
import { parseApiKey, verifyApiKeySecret } from './db/secrets.ts';
import type { TokenIssuer } from './auth/tokens.ts';
import type { Services } from './composition.ts';

// Who is calling and what they may do live in auth/ (services import them from there, not from the
// request context, which depends on the services).
export { can, type Viewer } from './auth/viewer.ts';

export interface Context {
  readonly viewer: Viewer;
  readonly services: Services;
  /** The client's network address (see clientAddress), or null when unknown (in-process calls). */
  readonly clientAddress: string | null;
}

/** An IP address as written (`1.2.3.4`, `::1`, `[::1]`, `::ffff:1.2.3.4`), normalised; null when it is not one. */
export function parseIp(value: string): string | null {
  let address = value.trim();
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  if (address.toLowerCase().startsWith('::ffff:') && isIP(address.slice(7)) === 4) address = address.slice(7);
  return isIP(address) ? address.toLowerCase() : null;
}

/**
 * The proxies whose `X-Forwarded-For` is believed (FACEGATE_TRUSTED_PROXIES: addresses or CIDR ranges,
 * comma-separated; none by default). A bad entry stops the start: a typo must not trust nobody silently.
 */
export function trustedProxies(spec: string): BlockList {
  const list = new BlockList();
  for (const entry of spec
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [address, bits] = entry.split('/');
    const ip = parseIp(address ?? '');
    if (!ip || (bits !== undefined && !/^\d{1,3}$/.test(bits)))
      throw new Error(`FACEGATE_TRUSTED_PROXIES: ${entry.slice(0, 64)} is not an IP address or range`);
    const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(ip, family);
    else list.addSubnet(ip, Number(bits), family);
  }
  return list;
}

/**
 * The client's address: the socket's peer, unless that peer is a trusted proxy, in which case the
 * nearest address in `X-Forwarded-For` that is not a trusted proxy. Only a parsed IP address is ever
 * returned: a hop that is not one stops the walk at the last proxy (whatever a client wrote there is
 * not an address). Sign-in throttling counts per address, and the security log records it.
 */
export function clientAddress(request: Request, socketAddress: string | undefined, trusted: BlockList): string | null {
  let address = socketAddress ? parseIp(socketAddress) : null;
  if (!address) return null;
  const isTrusted = (ip: string) => trusted.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4');
  if (!isTrusted(address)) return address;
  const forwarded = (request.headers.get('x-forwarded-for') ?? '').split(',').slice(-32);
  // Rightmost first: each proxy appends the address it received from, so only the right end is vouched for.
  for (let i = forwarded.length - 1; i >= 0; i--) {
    const hop = parseIp(forwarded[i]!);
    if (!hop) return address;
    address = hop;
    if (!isTrusted(address)) return address;
  }
  return address;
}

/** Reads `Authorization: Bearer <token>`: an API key (fg_...) or an administrator's session token. */
export async function resolveViewer(request: Request, services: Services, tokens: TokenIssuer): Promise<Viewer> {
  const header = request.headers.get('authorization') ?? '';
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  if (!token) return { kind: 'anonymous' };
  const key = parseApiKey(token);
  if (key) {
    const row = await services.apiKeys.findByPrefix(key.prefix);
    if (!row || !verifyApiKeySecret(key.secret, row.secretHash)) return { kind: 'anonymous', rejected: 'invalid_credentials' };
    if (row.revoked) return { kind: 'anonymous', rejected: 'revoked_key', apiKeyId: row.id, doorId: row.doorId };
    services.apiKeys.touch(row.id);
    return { kind: 'apiKey', id: row.id, name: row.name, scopes: row.scopes, doorId: row.doorId };
  }
  const claims = await tokens.verify(token);
  if (!claims) return { kind: 'anonymous', rejected: 'invalid_credentials' };
  // The session must still be live: signed-out and revoked sessions' tokens are refused here.
  const session = await services.signIn.findSession(claims.adminId, claims.sessionId);
  if (!session) return { kind: 'anonymous', rejected: 'invalid_credentials' };
  const { admin } = session;
  return { kind: 'admin', id: admin.id, email: admin.email, role: admin.role, sessionId: session.id, facesRead: admin.facesRead };
}
