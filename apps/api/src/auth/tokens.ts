import { SignJWT, jwtVerify } from 'jose';

export interface TokenIssuer {
  /** A signed session token for an administrator, valid for `ttlSeconds`. */
  issue(adminId: string): Promise<string>;
  /** The administrator's id, or null for a forged, expired or malformed token. */
  verify(token: string): Promise<string | null>;
}

const ISSUER = 'facegate';

export function createTokenIssuer(secret: Uint8Array, ttlSeconds = 12 * 3600): TokenIssuer {
  return {
    issue: (adminId) =>
      new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(adminId).setIssuer(ISSUER).setIssuedAt().setExpirationTime(`${ttlSeconds}s`).sign(secret),
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, secret, { issuer: ISSUER, algorithms: ['HS256'] });
        return typeof payload.sub === 'string' ? payload.sub : null;
      } catch {
        return null;
      }
    },
  };
}
