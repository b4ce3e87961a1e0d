/**
 * What an API key may do. Administrators (role admin) may do everything; viewers only read. A door
 * needs only verify and/or identify: it learns the decision, the reason and the accepted person's
 * name; the register (people:read), the audit log (audit:read) and face images (faces:read) are
 * separate scopes.
 */
export const SCOPES = ['verify', 'identify', 'people:read', 'audit:read', 'faces:read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];
