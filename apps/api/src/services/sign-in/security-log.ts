import { randomUUID } from 'node:crypto';
import { hashPassword, verifyPassword } from '../../db/secrets.ts';
import { LoginFailedError, RateLimitedError } from '../../errors.ts';
import type { Prisma } from '../../db/prisma.ts';

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
  /** The password was right; a second factor (or its enrolment) is asked for next. */
  'second_factor_required',
  /** A wrong, replayed or used-up TOTP or recovery code, or a passkey answer that does not verify (counted like a wrong password). */
  'second_factor_failed',
  /** A second step with an unknown, expired, used or mismatched challenge (counted like a wrong password). */
  'second_factor_challenge_refused',
  /** A sign-in completed with a recovery code (each used once); logged besides login_succeeded. */
  'recovery_code_used',
  'second_factor_enrolled',
  'second_factor_disabled',
  /** The sign-in provider, asked again, ended a single sign-on session (user removed or disabled, no role left). */
  'single_sign_on_ended',
  'passkey_added',
  'passkey_removed',
] as const;
export type SecurityEventKind = (typeof SECURITY_EVENT_KINDS)[number];

/** Days the security log is kept (pruned at each successful sign-in). */
export const SECURITY_LOG_DAYS = 90;

/** Longest email kept in the log (RFC 5321's path limit). */
const MAX_ACCOUNT_LENGTH = 254;
/** The address logged when the client's is not known. */
export const UNKNOWN_ADDRESS = 'unknown';
/** Attempts that count towards the lockout: failed passwords and codes, and those being checked. */
const FAILURE_KINDS: SecurityEventKind[] = ['login_failed', 'login_pending', 'second_factor_failed', 'second_factor_challenge_refused'];

export function normalizeAccount(email: string): string {
  return email.trim().toLowerCase().slice(0, MAX_ACCOUNT_LENGTH);
}

/**
 * The security log and the throttling read from it: per account and per client address, from the
 * failures recorded (so the limits hold across instances sharing a database).
 */
export function createSecurityLog(prisma: Prisma, policy: SignInPolicy) {
  // A real hash of a random password (made now, with the same parameters), verified when the email is
  // unknown: an unknown account costs what a wrong password costs, so timing does not tell which exist.
  const dummyHash = hashPassword(randomUUID());
  dummyHash.catch(() => undefined);

  function log(kind: SecurityEventKind, data: { account?: string | null; address?: string | null; adminId?: string | null }) {
    return prisma.securityEvent.create({
      data: { kind, account: data.account ?? null, address: data.address ?? null, adminId: data.adminId ?? null },
    });
  }

  /** Seconds until fewer than `limit` failures matching `where` remain in the window, or null when under it. */
  async function lockedFor(
    where: { account: string } | { address: string },
    limit: number,
    since: Date,
    excludeId: string,
  ): Promise<number | null> {
    const failures = await prisma.securityEvent.findMany({
      where: { ...where, kind: { in: FAILURE_KINDS }, createdAt: { gt: since }, id: { not: excludeId } },
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
    const lastSuccess = await prisma.securityEvent.findFirst({
      where: { account, kind: 'login_succeeded', createdAt: { gt: windowStart } },
      orderBy: { createdAt: 'desc' },
      select: { createdAt: true },
    });
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

  /** Always one argon2 verification, against the account's hash or the dummy one (for an unknown account, or one of single sign-on's, whose hash is empty). */
  async function checkPassword(passwordHash: string | undefined, password: string): Promise<boolean> {
    const ok = await verifyPassword(passwordHash || (await dummyHash), password);
    return ok && !!passwordHash;
  }

  /** A code attempt, throttled and logged like a password: a wrong one is second_factor_failed. */
  async function codeAttempt<T>(
    admin: { id: string; email: string },
    address: string,
    check: () => Promise<T | null>,
    refusal = 'wrong or already used code',
  ): Promise<{ result: T; attemptId: string }> {
    const attemptId = await beginAttempt(admin.email, address);
    const result = await check();
    if (result === null) {
      await prisma.securityEvent.update({ where: { id: attemptId }, data: { kind: 'second_factor_failed', adminId: admin.id } });
      throw new LoginFailedError(refusal);
    }
    return { result, attemptId };
  }

  return { log, beginAttempt, checkPassword, codeAttempt };
}

export type SecurityLog = ReturnType<typeof createSecurityLog>;
