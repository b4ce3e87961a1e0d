import { SignJWT, jwtVerify } from 'jose';

export interface SessionClaims {
  readonly adminId: string;
  /** The AdminSession row this token belongs to: revoking the row ends the token. */
  readonly sessionId: string;
}

export interface TokenIssuer {
  /** Seconds a session token is valid. */
  readonly ttlSeconds: number;
  /** A signed session token for an administrator's session, valid for `ttlSeconds`. */
  issue(claims: SessionClaims): Promise<string>;
  /** The token's claims, or null for a forged, expired or malformed token (revocation is checked by the caller). */
  verify(token: string): Promise<SessionClaims | null>;
}

const ISSUER = 'facegate';

export function createTokenIssuer(secret: Uint8Array, ttlSeconds = 12 * 3600): TokenIssuer {
  return {
    ttlSeconds,
    issue: ({ adminId, sessionId }) =>
      new SignJWT({ sid: sessionId })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(adminId)
        .setIssuer(ISSUER)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(secret),
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, secret, { issuer: ISSUER, algorithms: ['HS256'] });
        return typeof payload.sub === 'string' && typeof payload.sid === 'string' ? { adminId: payload.sub, sessionId: payload.sid } : null;
      } catch {
        return null;
      }
    },
  };
}
