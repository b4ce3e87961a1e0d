import type { Scope } from './auth/api-keys.ts';
import { parseApiKey, verifyApiKeySecret } from './db/secrets.ts';
import type { TokenIssuer } from './auth/tokens.ts';
import type { Services } from './services/index.ts';

/** Who is calling: nobody, a signed-in administrator, or an API key (a door or an integration). */
export type Viewer =
  /** `rejected`: a credential was sent and refused; a revoked key's id is kept for the audit log. */
  | { readonly kind: 'anonymous'; readonly rejected?: 'revoked_key' | 'invalid_credentials'; readonly apiKeyId?: string; readonly doorId?: string | null }
  | { readonly kind: 'admin'; readonly id: string; readonly email: string; readonly role: 'admin' | 'viewer'; readonly sessionId: string }
  | { readonly kind: 'apiKey'; readonly id: string; readonly name: string; readonly scopes: readonly Scope[]; readonly doorId: string | null }
  /** The facegate command on the server itself: it holds the database, so it may do everything. */
  | { readonly kind: 'system' };

export interface Context {
  readonly viewer: Viewer;
  readonly services: Services;
  /** The client's network address (see clientAddress), or null when unknown (in-process calls). */
  readonly clientAddress: string | null;
}

/** Loopback forms of an address, as Node reports them. */
function plainAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

/**
 * The client's address: the socket's peer, unless that peer is a trusted proxy (by default the loopback,
 * where the dashboard's server runs), in which case the nearest address in `X-Forwarded-For` that is not
 * a trusted proxy. Sign-in throttling counts per address, and the security log records it.
 */
export function clientAddress(request: Request, socketAddress: string | undefined, trustedProxies: readonly string[]): string | null {
  if (!socketAddress) return null;
  const trusted = new Set(trustedProxies.map(plainAddress));
  let address = plainAddress(socketAddress);
  if (!trusted.has(address)) return address;
  const forwarded = (request.headers.get('x-forwarded-for') ?? '')
    .split(',')
    .map((a) => plainAddress(a.trim()))
    .filter((a) => a.length > 0 && a.length <= 64);
  // Rightmost first: each proxy appends the address it received from, so only the right end is vouched for.
  for (let i = forwarded.length - 1; i >= 0; i--) {
    address = forwarded[i]!;
    if (!trusted.has(address)) return address;
  }
  return address;
}

/** Viewers (role viewer) read everything an administrator reads and change nothing. */
const VIEWER_ROLE_SCOPES: readonly Scope[] = ['people:read', 'audit:read', 'faces:read'];

export function can(viewer: Viewer, scope: Scope): boolean {
  switch (viewer.kind) {
    case 'anonymous':
      return false;
    case 'admin':
      return viewer.role === 'admin' || VIEWER_ROLE_SCOPES.includes(scope);
    case 'apiKey':
      return viewer.scopes.includes('admin') || viewer.scopes.includes(scope);
    case 'system':
      return true;
  }
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
  return { kind: 'admin', id: admin.id, email: admin.email, role: admin.role, sessionId: session.id };
}
