import type { TokenIssuer } from '../../auth/tokens.ts';
import { NotFoundError } from '../../errors.ts';
import type { Prisma } from '../../db/prisma.ts';
import type { SingleSignOn } from '../single-sign-on.ts';
import { SECURITY_LOG_DAYS, type SecurityLog } from './security-log.ts';

/** What a session's sign-in passed besides the password (none: null). */
export type SecondFactor = 'totp' | 'recovery_code' | 'passkey' | 'provider';

/** How administrators sign in besides the second factor: passwords (unless turned off), single sign-on. */
export interface SignInMethods {
  /** False: password sign-in is refused (FACEGATE_LOCAL_ACCOUNTS=off), and sessions opened with one end. */
  readonly localAccounts: boolean;
  readonly singleSignOn: SingleSignOn | null;
}

/** Administrators' sessions, kept in the database so they can be ended before their token expires. */
export function createSessions(
  prisma: Prisma,
  tokens: TokenIssuer,
  { log }: SecurityLog,
  secondFactor: { readonly required: () => boolean },
  methods: SignInMethods,
) {
  async function newSession(
    adminId: string,
    address: string,
    factor: SecondFactor | null = null,
    providerRefreshToken: Uint8Array<ArrayBuffer> | null = null,
  ) {
    const now = Date.now();
    const provider = providerRefreshToken ? { singleSignOn: true, providerRefreshToken, providerCheckedAt: new Date(now) } : {};
    const session = await prisma.adminSession.create({
      data: { adminId, address, secondFactor: factor, expiresAt: new Date(now + tokens.ttlSeconds * 1000), ...provider },
    });
    await prisma.signInChallenge.deleteMany({ where: { expiresAt: { lt: new Date(now) } } });
    // Housekeeping: sessions that ended more than a day ago are of no use; the security log keeps 90 days.
    await prisma.adminSession.deleteMany({ where: { expiresAt: { lt: new Date(now - 24 * 3600 * 1000) } } });
    await prisma.securityEvent.deleteMany({ where: { createdAt: { lt: new Date(now - SECURITY_LOG_DAYS * 86_400_000) } } });
    return tokens.issue({ adminId, sessionId: session.id });
  }

  return {
    newSession,

    /** The live session a token names, with its administrator; null when revoked, expired or unknown. */
    async findSession(adminId: string, sessionId: string) {
      const session = await prisma.adminSession.findUnique({ where: { id: sessionId }, include: { admin: true } });
      if (!session || session.adminId !== adminId || session.revokedAt || session.expiresAt.getTime() <= Date.now()) return null;
      // Once the site requires a second factor, sessions opened with a password alone (before, or by an
      // administrator without one) reach nothing: they sign in again, and enrol.
      if (secondFactor.required() && !session.secondFactor) return null;
      let role = session.admin.role as 'admin' | 'viewer';
      if (!session.singleSignOn) {
        if (!methods.localAccounts) return null;
      } else {
        // Asked again every FACEGATE_OIDC_RECHECK_SECONDS: a user the provider no longer vouches for is out.
        const checked = methods.singleSignOn
          ? await methods.singleSignOn.recheck(session)
          : { ended: 'single sign-on is no longer configured' };
        if (checked && 'ended' in checked) {
          await prisma.adminSession.update({ where: { id: session.id }, data: { revokedAt: new Date(), providerRefreshToken: null } });
          await log('single_sign_on_ended', { account: session.admin.email, address: session.address, adminId: session.adminId });
          return null;
        }
        if (checked) role = checked.role;
      }
      return { id: session.id, admin: { id: session.admin.id, email: session.admin.email, role, facesRead: session.admin.facesRead } };
    },

    /** Ends one session (signing out): its token is refused from now on. */
    async signOut(sessionId: string, clientAddress: string | null) {
      const session = await prisma.adminSession.update({
        where: { id: sessionId },
        data: { revokedAt: new Date(), providerRefreshToken: null },
        include: { admin: true },
      });
      await log('signed_out', { account: session.admin.email, address: clientAddress, adminId: session.adminId });
      return true;
    },

    /** Ends every live session of an administrator (all their tokens), except `keep`; returns how many. */
    async revokeSessions(adminId: string, clientAddress: string | null, keep?: string) {
      const admin = await prisma.admin.findUnique({ where: { id: adminId } });
      if (!admin) throw new NotFoundError('administrator');
      const { count } = await prisma.adminSession.updateMany({
        where: { adminId, revokedAt: null, ...(keep ? { id: { not: keep } } : {}) },
        data: { revokedAt: new Date(), providerRefreshToken: null },
      });
      await log('sessions_revoked', { account: admin.email, address: clientAddress, adminId });
      return count;
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;
