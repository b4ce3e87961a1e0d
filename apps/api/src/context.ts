import type { Scope } from './auth/api-keys.ts';
import { parseApiKey, verifyApiKeySecret } from './db/secrets.ts';
import type { TokenIssuer } from './auth/tokens.ts';
import type { Services } from './services/index.ts';

/** Who is calling: nobody, a signed-in administrator, or an API key (a door or an integration). */
export type Viewer =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'admin'; readonly id: string; readonly email: string; readonly role: 'admin' | 'viewer' }
  | { readonly kind: 'apiKey'; readonly id: string; readonly name: string; readonly scopes: readonly Scope[]; readonly doorId: string | null }
  /** The facegate command on the server itself: it holds the database, so it may do everything. */
  | { readonly kind: 'system' };

export interface Context {
  readonly viewer: Viewer;
  readonly services: Services;
}

/** Viewers (role viewer) read everything an administrator reads and change nothing. */
const VIEWER_ROLE_SCOPES: readonly Scope[] = ['people:read', 'audit:read'];

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
    const row = await services.apiKeys.findActiveByPrefix(key.prefix);
    if (!row || !verifyApiKeySecret(key.secret, row.secretHash)) return { kind: 'anonymous' };
    services.apiKeys.touch(row.id);
    return { kind: 'apiKey', id: row.id, name: row.name, scopes: row.scopes, doorId: row.doorId };
  }
  const adminId = await tokens.verify(token);
  if (!adminId) return { kind: 'anonymous' };
  const admin = await services.admins.findById(adminId);
  return admin ? { kind: 'admin', id: admin.id, email: admin.email, role: admin.role } : { kind: 'anonymous' };
}
