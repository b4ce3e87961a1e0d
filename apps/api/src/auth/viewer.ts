// Who is calling, and what each kind of caller may do. The services and the schema import these from
// here; the request context (context.ts) builds a Viewer from a request.
import type { Scope } from './api-keys.ts';

/** Who is calling: nobody, a signed-in administrator, or an API key (a door or an integration). */
export type Viewer =
  /** `rejected`: a credential was sent and refused; a revoked key's id is kept for the audit log. */
  | {
      readonly kind: 'anonymous';
      readonly rejected?: 'revoked_key' | 'invalid_credentials';
      readonly apiKeyId?: string;
      readonly doorId?: string | null;
    }
  | {
      readonly kind: 'admin';
      readonly id: string;
      readonly email: string;
      readonly role: 'admin' | 'viewer';
      readonly sessionId: string;
      /** A viewer's grant of face images (faces:read), set per account by an administrator. */
      readonly facesRead: boolean;
    }
  | {
      readonly kind: 'apiKey';
      readonly id: string;
      readonly name: string;
      readonly scopes: readonly Scope[];
      readonly doorId: string | null;
    }
  /** The facegate command on the server itself: it holds the database, so it may do everything. */
  | { readonly kind: 'system' };

/** Viewers (role viewer) read the register and the audit log and change nothing; face images only when granted. */
const VIEWER_ROLE_SCOPES: readonly Scope[] = ['people:read', 'audit:read'];

export function can(viewer: Viewer, scope: Scope): boolean {
  switch (viewer.kind) {
    case 'anonymous':
      return false;
    case 'admin':
      return viewer.role === 'admin' || VIEWER_ROLE_SCOPES.includes(scope) || (scope === 'faces:read' && viewer.facesRead);
    case 'apiKey':
      return viewer.scopes.includes('admin') || viewer.scopes.includes(scope);
    case 'system':
      return true;
  }
}
