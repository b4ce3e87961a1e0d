import { createHash, randomBytes } from 'node:crypto';
import { LoginFailedError, SecondFactorRequiredError } from '../../errors.ts';
import type { Prisma } from '../../db/prisma.ts';
import { UNKNOWN_ADDRESS, type SecurityLog } from './security-log.ts';
import type { SecondFactor, Sessions } from './sessions.ts';

/** How long a sign-in waits for its second factor (or its enrolment) after the password. */
export const CHALLENGE_SECONDS = 5 * 60;
type ChallengePurpose = 'second_factor' | 'enrol';

/** The step after a right password: a challenge answered with a second factor (or its enrolment), used once. */
export function createChallenges(prisma: Prisma, securityLog: SecurityLog, newSession: Sessions['newSession']) {
  const { log, codeAttempt } = securityLog;
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

  /** A challenge for the next step of a sign-in whose password was right: the token is given once. */
  async function issueChallenge(
    adminId: string,
    address: string,
    purpose: ChallengePurpose,
    passkeys: number,
  ): Promise<SecondFactorRequiredError> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + CHALLENGE_SECONDS * 1000);
    await prisma.signInChallenge.create({ data: { tokenHash: sha256(token), adminId, purpose, address, expiresAt } });
    return new SecondFactorRequiredError(token, expiresAt, purpose === 'enrol', passkeys > 0);
  }

  /** Whether an administrator has a second factor: TOTP, or a passkey. */
  async function hasSecondFactor(admin: { id: string; totpSecret: Uint8Array | null }, exceptPasskey?: string): Promise<boolean> {
    if (admin.totpSecret) return true;
    return (await prisma.passkey.count({ where: { adminId: admin.id, ...(exceptPasskey ? { id: { not: exceptPasskey } } : {}) } })) > 0;
  }

  /**
   * The live challenge a token names, with its administrator; a wrong, expired or used one is LOGIN_FAILED,
   * logged (second_factor_challenge_refused) and counted towards the address's lockout, and the account's
   * when the token names one.
   */
  async function findChallenge(token: string, purpose: ChallengePurpose, address: string) {
    const challenge = await prisma.signInChallenge.findUnique({ where: { tokenHash: sha256(token) }, include: { admin: true } });
    const refuse = async (message: string) => {
      await log('second_factor_challenge_refused', { account: challenge?.admin.email, address, adminId: challenge?.adminId });
      return new LoginFailedError(message);
    };
    if (!challenge || challenge.purpose !== purpose || challenge.expiresAt.getTime() <= Date.now()) {
      throw await refuse('this sign-in has expired or was completed: sign in again with your password');
    }
    // An enrolment challenge is for an account without a second factor: one enrolled since then is not replaced.
    if (purpose === 'enrol' && (await hasSecondFactor(challenge.admin)))
      throw await refuse('a second factor was enrolled meanwhile: sign in again with your password');
    return challenge;
  }

  /** Used once: a second call with the same challenge (a race) is refused. */
  async function useChallenge(id: string): Promise<void> {
    const { count } = await prisma.signInChallenge.deleteMany({ where: { id } });
    if (count !== 1) throw new LoginFailedError('this sign-in has expired or was completed: sign in again with your password');
  }

  /** The second step of a sign-in, whatever the factor: throttled and logged, the challenge used once, the session. */
  async function completeSecondFactor(
    challengeToken: string,
    clientAddress: string | null,
    check: (admin: { id: string; totpSecret: Uint8Array | null }) => Promise<SecondFactor | null>,
    refusal?: string,
  ) {
    const address = clientAddress ?? UNKNOWN_ADDRESS;
    const challenge = await findChallenge(challengeToken, 'second_factor', address);
    const { admin } = challenge;
    const { result: factor, attemptId } = await codeAttempt(admin, address, () => check(admin), refusal);
    await useChallenge(challenge.id);
    await prisma.securityEvent.update({ where: { id: attemptId }, data: { kind: 'login_succeeded', adminId: admin.id } });
    if (factor === 'recovery_code') await log('recovery_code_used', { account: admin.email, address, adminId: admin.id });
    return { token: await newSession(admin.id, address, factor), admin };
  }

  return { issueChallenge, hasSecondFactor, findChallenge, useChallenge, completeSecondFactor };
}

export type Challenges = ReturnType<typeof createChallenges>;

/** What the second factor's steps (TOTP, passkeys) are built from. */
export interface SecondFactorParts {
  readonly prisma: Prisma;
  readonly secondFactor: { readonly required: () => boolean };
  readonly securityLog: SecurityLog;
  readonly challenges: Challenges;
}
