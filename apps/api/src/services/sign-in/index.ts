import type { TokenIssuer } from '../../auth/tokens.ts';
import { checkPasswordStrength } from '../../auth/password-policy.ts';
import type { RelyingParty } from '../../auth/passkeys.ts';
import { hashPassword } from '../../db/secrets.ts';
import type { DataCipher } from '../../db/sealed.ts';
import { InvalidInputError, LocalAccountsDisabledError, LoginFailedError, NotFoundError, SingleSignOnFailedError } from '../../errors.ts';
import type { Prisma } from '../../db/prisma.ts';
import { createChallenges } from './challenges.ts';
import { createPasskeySteps } from './passkeys.ts';
import { createSecurityLog, normalizeAccount, UNKNOWN_ADDRESS, type SignInPolicy } from './security-log.ts';
import { createSessions, type SignInMethods } from './sessions.ts';
import { createTotpSteps } from './totp.ts';

export { DEFAULT_SIGN_IN_POLICY, type SignInPolicy } from './security-log.ts';

/** What the second factor needs besides the database: the data key, and the site's setting. */
export interface SecondFactorOptions {
  /** Seals TOTP secrets at rest. */
  readonly cipher: DataCipher;
  /** Every administrator must sign in with a second factor (the requireSecondFactor setting). */
  readonly required: () => boolean;
  /** The dashboard, which passkeys are bound to (FACEGATE_DASHBOARD_URL). */
  readonly relyingParty: RelyingParty;
}

/**
 * Administrators' sign-in: throttled per account and per client address from the failures recorded in
 * the security log (so the limits hold across instances sharing a database), sessions kept in the
 * database so they can be ended before their token expires, and a password strength policy.
 */
export function createSignInService(
  prisma: Prisma,
  tokens: TokenIssuer,
  policy: SignInPolicy,
  secondFactor: SecondFactorOptions,
  methods: SignInMethods = { localAccounts: true, singleSignOn: null },
) {
  const { cipher, relyingParty: rp } = secondFactor;
  const securityLog = createSecurityLog(prisma, policy);
  const { log, beginAttempt, checkPassword } = securityLog;
  const sessions = createSessions(prisma, tokens, securityLog, secondFactor, methods);
  const { newSession } = sessions;
  const challenges = createChallenges(prisma, securityLog, newSession);
  const { issueChallenge } = challenges;
  const parts = { prisma, secondFactor, securityLog, challenges };

  /**
   * An administrator confirms a sensitive action with their current password: checked and throttled
   * like a sign-in (a failure counts towards the account's and the address's lockout).
   */
  async function confirmPassword(adminId: string, password: string, clientAddress: string | null) {
    const admin = await prisma.admin.findUnique({ where: { id: adminId } });
    if (!admin) throw new NotFoundError('administrator');
    const attemptId = await beginAttempt(admin.email, clientAddress ?? UNKNOWN_ADDRESS);
    if (!(await checkPassword(admin.passwordHash, password))) {
      await prisma.securityEvent.update({ where: { id: attemptId }, data: { kind: 'login_failed', adminId } });
      throw new LoginFailedError('the current password is wrong');
    }
    // Right: neither a failure nor a sign-in.
    await prisma.securityEvent.delete({ where: { id: attemptId } });
    return admin;
  }

  return {
    policy,
    localAccounts: methods.localAccounts,
    singleSignOnName: methods.singleSignOn?.name ?? null,

    async login(email: string, password: string, clientAddress: string | null) {
      const account = normalizeAccount(email);
      const address = clientAddress ?? UNKNOWN_ADDRESS;
      if (!methods.localAccounts) {
        await log('login_failed', { account, address });
        throw new LocalAccountsDisabledError();
      }
      const attemptId = await beginAttempt(account, address);
      const admin = await prisma.admin.findUnique({ where: { email: account } });
      // Checked before `admin` is looked at: an unknown account runs the same verification.
      const ok = await checkPassword(admin?.passwordHash, password);
      if (!admin || !ok) {
        await prisma.securityEvent.update({ where: { id: attemptId }, data: { kind: 'login_failed', adminId: admin?.id ?? null } });
        throw new LoginFailedError();
      }
      // The password alone is not a sign-in when a second factor exists or is required: a challenge is
      // answered instead, and the account's failure count is not reset until the code is right.
      const passkeys = await prisma.passkey.count({ where: { adminId: admin.id } });
      if (admin.totpSecret || passkeys > 0 || secondFactor.required()) {
        await prisma.securityEvent.update({ where: { id: attemptId }, data: { kind: 'second_factor_required', adminId: admin.id } });
        throw await issueChallenge(admin.id, address, admin.totpSecret || passkeys > 0 ? 'second_factor' : 'enrol', passkeys);
      }
      await prisma.securityEvent.update({ where: { id: attemptId }, data: { kind: 'login_succeeded', adminId: admin.id } });
      return { token: await newSession(admin.id, address), admin };
    },

    /** Single sign-on's first step: the provider's URL to send the browser to, and the state it keeps. */
    beginSingleSignOn(address: string | null) {
      if (!methods.singleSignOn) throw new InvalidInputError('single sign-on is not configured on this site (FACEGATE_OIDC_ISSUER)');
      return methods.singleSignOn.begin(address);
    },

    /**
     * Single sign-on's second step: the provider's answer for the sign-in `state` names gives a session
     * like a password, logged the same way. It counts as a second factor only when the provider says so.
     */
    async completeSingleSignOn(callbackUrl: string, state: string, clientAddress: string | null) {
      if (!methods.singleSignOn) throw new InvalidInputError('single sign-on is not configured on this site (FACEGATE_OIDC_ISSUER)');
      const address = clientAddress ?? UNKNOWN_ADDRESS;
      try {
        const signedIn = await methods.singleSignOn.complete(callbackUrl, state, secondFactor.required());
        const { admin } = signedIn;
        await log('login_succeeded', { account: admin.email, address, adminId: admin.id });
        return { token: await newSession(admin.id, address, signedIn.secondFactor ? 'provider' : null, signedIn.refreshToken), admin };
      } catch (error) {
        await log('login_failed', { account: error instanceof SingleSignOnFailedError ? error.account : null, address });
        throw error;
      }
    },

    ...createTotpSteps(parts, cipher, newSession),
    ...createPasskeySteps(parts, rp),
    findSession: sessions.findSession,
    signOut: sessions.signOut,
    revokeSessions: sessions.revokeSessions,

    /**
     * A signed-in administrator changes their password: the current one is checked (and throttled like a
     * sign-in), the new one must pass the strength policy, and every other session of theirs ends.
     */
    async changePassword(adminId: string, sessionId: string, currentPassword: string, newPassword: string, clientAddress: string | null) {
      const admin = await confirmPassword(adminId, currentPassword, clientAddress);
      const address = clientAddress ?? UNKNOWN_ADDRESS;
      await checkPasswordStrength(newPassword, [admin.email]);
      await prisma.admin.update({ where: { id: adminId }, data: { passwordHash: await hashPassword(newPassword) } });
      await prisma.adminSession.updateMany({
        where: { adminId, revokedAt: null, id: { not: sessionId } },
        data: { revokedAt: new Date() },
      });
      await log('password_changed', { account: admin.email, address, adminId });
      return true;
    },

    confirmPassword,

    /** The security log, newest first. */
    securityEvents(filter: { first: number; kind?: string | null; account?: string | null }) {
      return prisma.securityEvent.findMany({
        where: {
          // Attempts still being checked are not events yet.
          kind: filter.kind ? filter.kind : { not: 'login_pending' },
          ...(filter.account ? { account: normalizeAccount(filter.account) } : {}),
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: filter.first,
      });
    },
  };
}

export type SignInService = ReturnType<typeof createSignInService>;
