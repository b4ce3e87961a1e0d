/** What an API key may do. Administrators (role admin) may do everything; viewers only read. */
export const SCOPES = ['verify', 'identify', 'people:read', 'audit:read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];
