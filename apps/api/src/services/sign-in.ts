import { randomUUID } from 'node:crypto';
import type { TokenIssuer } from '../auth/tokens.ts';
import { checkPasswordStrength } from '../auth/password-policy.ts';
import { hashPassword, verifyPassword } from '../db/secrets.ts';
import { LoginFailedError, NotFoundError, RateLimitedError } from '../errors.ts';
import type { Prisma } from './prisma.ts';

/** How many failed sign-ins are allowed, per account and per client address, within the lockout window. */
export interface SignInPolicy {
  readonly maxFailuresPerAccount: number;
  readonly maxFailuresPerAddress: number;
  /** Failures older than this are forgotten; a locked account or address waits at most this long. */
  readonly lockoutSeconds: number;
}

export const DEFAULT_SIGN_IN_POLICY: SignInPolicy = { maxFailuresPerAccount: 5, maxFailuresPerAddress: 20, lockoutSeconds: 15 * 60 };

export const SECURITY_EVENT_KINDS = [
  /** A sign-in being checked right now (counted as a failure until decided, so parallel guesses are counted). */
  'login_pending',
  'login_failed',
  /** Refused unchecked: too many failures for the account or the address. */
  'login_throttled',
  'login_succeeded',
  'signed_out',
  'sessions_revoked',
  'password_changed',
] as const;
export type SecurityEventKind = (typeof SECURITY_EVENT_KINDS)[number];

/** Days the security log is kept (pruned at each successful sign-in). */
export const SECURITY_LOG_DAYS = 90;

/** Longest email kept in the log (RFC 5321's path limit). */
const MAX_ACCOUNT_LENGTH = 254;
const UNKNOWN_ADDRESS = 'unknown';

export function normalizeAccount(email: string): string {
  return email.trim().toLowerCase().slice(0, MAX_ACCOUNT_LENGTH);
}

/**
 * Administrators' sign-in: throttled per account and per client address from the failures recorded in
 * the security log (so the limits hold across instances sharing a database), sessions kept in the
 * database so they can be ended before their token expires, and a password strength policy.
 */
export function createSignInService(prisma: Prisma, tokens: TokenIssuer, policy: SignInPolicy = DEFAULT_SIGN_IN_POLICY) {
  // A real hash of a random password (made now, with the same parameters), verified when the email is
  // unknown: an unknown account costs what a wrong password costs, so timing does not tell which exist.
  const dummyHash = hashPassword(randomUUID());
  dummyHash.catch(() => undefined);

  function log(kind: SecurityEventKind, data: { account?: string | null; address?: string | null; adminId?: string | null }) {
    return prisma.securityEvent.create({ data: { kind, account: data.account ?? null, address: data.address ?? null, adminId: data.adminId ?? null } });
  }

  /** Seconds until fewer than `limit` failures matching `where` remain in the window, or null when under it. */
  async function lockedFor(where: { account: string } | { address: string }, limit: number, since: Date, excludeId: string): Promise<number | null> {
    const failures = await prisma.securityEvent.findMany({
      where: { ...where, kind: { in: ['login_failed', 'login_pending'] }, createdAt: { gt: since }, id: { not: excludeId } },
      orderBy: { createdAt: 'desc' },
      take: limit,
      select: { createdAt: true },
    });
    if (failures.length < limit) return null;
    const until = failures[limit - 1]!.createdAt.getTime() + policy.lockoutSeconds * 1000;
    return Math.max(1, Math.ceil((until - Date.now()) / 1000));
  }

  /** Records the attempt, then refuses it unchecked when the account or the address is locked out. */
  async function beginAttempt(account: string, address: string) {
    const attempt = await log('login_pending', { account, address });
    const windowStart = new Date(Date.now() - policy.lockoutSeconds * 1000);
    // A successful sign-in clears the account's count (not the address's: one valid account must not
    // let an address keep guessing others).
    const lastSuccess = await prisma.securityEvent.findFirst({ where: { account, kind: 'login_succeeded', createdAt: { gt: windowStart } }, orderBy: { createdAt: 'desc' }, select: { createdAt: true } });
    const waits = await Promise.all([
      lockedFor({ account }, policy.maxFailuresPerAccount, lastSuccess?.createdAt ?? windowStart, attempt.id),
      lockedFor({ address }, policy.maxFailuresPerAddress, windowStart, attempt.id),
    ]);
    const wait = Math.max(...waits.map((w) => w ?? 0));
    if (wait > 0) {
      await prisma.securityEvent.update({ where: { id: attempt.id }, data: { kind: 'login_throttled' } });
      const who = waits[0] !== null ? 'this account' : 'this address';
      throw new RateLimitedError(wait, `too many failed sign-ins for ${who}: locked, retry in ${wait} s`);
    }
    return attempt.id;
  }

  /** Always one argon2 verification, against the account's hash or the dummy one. */
  async function checkPassword(passwordHash: string | undefined, password: string): Promise<boolean> {
    const ok = await verifyPassword(passwordHash ?? (await dummyHash), password);
    return ok && passwordHash !== undefined;
  }

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

  async function newSession(adminId: string, address: string) {
    const now = Date.now();
    const session = await prisma.adminSession.create({ data: { adminId, address, expiresAt: new Date(now + tokens.ttlSeconds * 1000) } });
    // Housekeeping: sessions that ended more than a day ago are of no use; the security log keeps 90 days.
    await prisma.adminSession.deleteMany({ where: { expiresAt: { lt: new Date(now - 24 * 3600 * 1000) } } });
    await prisma.securityEvent.deleteMany({ where: { createdAt: { lt: new Date(now - SECURITY_LOG_DAYS * 86_400_000) } } });
    return tokens.issue({ adminId, sessionId: session.id });
  }

  return {
    policy,

    async login(email: string, password: string, clientAddress: string | null) {
      const account = normalizeAccount(email);
      const address = clientAddress ?? UNKNOWN_ADDRESS;
      const attemptId = await beginAttempt(account, address);
      const admin = await prisma.admin.findUnique({ where: { email: account } });
      // Checked before `admin` is looked at: an unknown account runs the same verification.
      const ok = await checkPassword(admin?.passwordHash, password);
      if (!admin || !ok) {
        await prisma.securityEvent.update({ where: { id: attemptId }, data: { kind: 'login_failed', adminId: admin?.id ?? null } });
        throw new LoginFailedError();
      }
      await prisma.securityEvent.update({ where: { id: attemptId }, data: { kind: 'login_succeeded', adminId: admin.id } });
      return { token: await newSession(admin.id, address), admin };
    },

    /** The live session a token names, with its administrator; null when revoked, expired or unknown. */
    async findSession(adminId: string, sessionId: string) {
      const session = await prisma.adminSession.findUnique({ where: { id: sessionId }, include: { admin: true } });
      if (!session || session.adminId !== adminId || session.revokedAt || session.expiresAt.getTime() <= Date.now()) return null;
      return { id: session.id, admin: { id: session.admin.id, email: session.admin.email, role: session.admin.role as 'admin' | 'viewer' } };
    },

    /** Ends one session (signing out): its token is refused from now on. */
    async signOut(sessionId: string, clientAddress: string | null) {
      const session = await prisma.adminSession.update({ where: { id: sessionId }, data: { revokedAt: new Date() }, include: { admin: true } });
      await log('signed_out', { account: session.admin.email, address: clientAddress, adminId: session.adminId });
      return true;
    },

    /** Ends every live session of an administrator (all their tokens), except `keep`; returns how many. */
    async revokeSessions(adminId: string, clientAddress: string | null, keep?: string) {
      const admin = await prisma.admin.findUnique({ where: { id: adminId } });
      if (!admin) throw new NotFoundError('administrator');
      const { count } = await prisma.adminSession.updateMany({
        where: { adminId, revokedAt: null, ...(keep ? { id: { not: keep } } : {}) },
        data: { revokedAt: new Date() },
      });
      await log('sessions_revoked', { account: admin.email, address: clientAddress, adminId });
      return count;
    },

    /**
     * A signed-in administrator changes their password: the current one is checked (and throttled like a
     * sign-in), the new one must pass the strength policy, and every other session of theirs ends.
     */
    async changePassword(adminId: string, sessionId: string, currentPassword: string, newPassword: string, clientAddress: string | null) {
      const admin = await confirmPassword(adminId, currentPassword, clientAddress);
      const address = clientAddress ?? UNKNOWN_ADDRESS;
      await checkPasswordStrength(newPassword, [admin.email]);
      await prisma.admin.update({ where: { id: adminId }, data: { passwordHash: await hashPassword(newPassword) } });
      await prisma.adminSession.updateMany({ where: { adminId, revokedAt: null, id: { not: sessionId } }, data: { revokedAt: new Date() } });
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
