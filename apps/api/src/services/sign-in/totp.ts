import { newRecoveryCodes, newTotpSecret, recoveryCodeHash, totpCode, totpEnrolment, totpStep } from '../../auth/totp.ts';
import type { DataCipher } from '../../db/sealed.ts';
import { InvalidInputError, NotFoundError } from '../../errors.ts';
import type { SecondFactorParts } from './challenges.ts';
import { UNKNOWN_ADDRESS } from './security-log.ts';
import type { SecondFactor, Sessions } from './sessions.ts';

/** The authenticator app's codes (TOTP) and the recovery codes: enrolment, sign-in, turning it off. */
export function createTotpSteps(parts: SecondFactorParts, cipher: DataCipher, newSession: Sessions['newSession']) {
  const { prisma, secondFactor } = parts;
  const { log, codeAttempt } = parts.securityLog;
  const { findChallenge, useChallenge, completeSecondFactor } = parts.challenges;
  /**
   * Checks a TOTP code (each time step accepted once: the step is recorded atomically, so a replayed or
   * older code is refused, across instances too) or a recovery code (deleted as it is used).
   */
  async function checkSecondFactor(admin: { id: string; totpSecret: Uint8Array | null }, typed: string): Promise<SecondFactor | null> {
    if (!admin.totpSecret) return null;
    const code = totpCode(typed);
    if (code) {
      const step = totpStep(cipher.open(admin.totpSecret), code);
      if (step === null) return null;
      const { count } = await prisma.admin.updateMany({
        where: { id: admin.id, totpSecret: { not: null }, OR: [{ totpLastStep: null }, { totpLastStep: { lt: step } }] },
        data: { totpLastStep: step },
      });
      return count === 1 ? 'totp' : null;
    }
    const hash = recoveryCodeHash(typed);
    if (!hash) return null;
    const { count } = await prisma.recoveryCode.deleteMany({ where: { adminId: admin.id, codeHash: hash } });
    return count === 1 ? 'recovery_code' : null;
  }

  /**
   * Confirms a pending TOTP enrolment with a code of the new secret: the secret is in force from now
   * on, that code's step is used, and ten new recovery codes replace any old ones (returned once).
   */
  async function confirmEnrolment(
    admin: { id: string; email: string; totpPendingSecret: Uint8Array<ArrayBuffer> | null },
    typed: string,
    address: string,
  ) {
    const { result: step, attemptId } = await codeAttempt(admin, address, async () => {
      const code = totpCode(typed);
      return admin.totpPendingSecret && code ? totpStep(cipher.open(admin.totpPendingSecret), code) : null;
    });
    const codes = newRecoveryCodes();
    await prisma.$transaction([
      prisma.admin.update({
        where: { id: admin.id },
        data: { totpSecret: admin.totpPendingSecret, totpPendingSecret: null, totpLastStep: step, totpEnabledAt: new Date() },
      }),
      prisma.recoveryCode.deleteMany({ where: { adminId: admin.id } }),
      prisma.recoveryCode.createMany({ data: codes.map((code) => ({ adminId: admin.id, codeHash: recoveryCodeHash(code)! })) }),
      prisma.securityEvent.update({ where: { id: attemptId }, data: { kind: 'second_factor_enrolled', adminId: admin.id } }),
    ]);
    return codes;
  }

  /** A new secret waiting for its first code (replacing nothing until then); what the app is given. */
  async function startEnrolment(admin: { id: string; email: string }) {
    const secret = newTotpSecret();
    await prisma.admin.update({ where: { id: admin.id }, data: { totpPendingSecret: cipher.seal(secret) } });
    return totpEnrolment(secret, admin.email);
  }

  return {
    /** The second step of a sign-in: the challenge and a TOTP or recovery code give the session. */
    loginSecondFactor(challengeToken: string, typed: string, clientAddress: string | null) {
      return completeSecondFactor(challengeToken, clientAddress, (admin) => checkSecondFactor(admin, typed));
    },

    /**
     * Starts a TOTP enrolment: from a session (the caller has re-entered their password), or from the
     * enrolment challenge of a sign-in when the site requires a second factor and the account has none.
     */
    async startTotpEnrolment(by: { adminId: string } | { challenge: string }, clientAddress: string | null = null) {
      const admin =
        'challenge' in by
          ? (await findChallenge(by.challenge, 'enrol', clientAddress ?? UNKNOWN_ADDRESS)).admin
          : await prisma.admin.findUnique({ where: { id: by.adminId } });
      if (!admin) throw new NotFoundError('administrator');
      return startEnrolment(admin);
    },

    /**
     * Confirms the enrolment with a code of the new secret; returns the recovery codes (shown once), and
     * from an enrolment challenge the session it was for. A session that confirms counts as one with a
     * second factor from now on.
     */
    async confirmTotpEnrolment(
      by: { adminId: string; sessionId: string } | { challenge: string },
      typed: string,
      clientAddress: string | null,
    ) {
      const address = clientAddress ?? UNKNOWN_ADDRESS;
      if ('challenge' in by) {
        const challenge = await findChallenge(by.challenge, 'enrol', address);
        const recoveryCodes = await confirmEnrolment(challenge.admin, typed, address);
        await useChallenge(challenge.id);
        await log('login_succeeded', { account: challenge.admin.email, address, adminId: challenge.admin.id });
        return { recoveryCodes, session: { token: await newSession(challenge.admin.id, address, 'totp'), admin: challenge.admin } };
      }
      const admin = await prisma.admin.findUnique({ where: { id: by.adminId } });
      if (!admin) throw new NotFoundError('administrator');
      const recoveryCodes = await confirmEnrolment(admin, typed, address);
      await prisma.adminSession.update({ where: { id: by.sessionId }, data: { secondFactor: 'totp' } });
      return { recoveryCodes, session: null };
    },

    /** Turns TOTP off and deletes the recovery codes (after the password was re-entered); refused while the site requires it. */
    async disableTotp(adminId: string, clientAddress: string | null) {
      if (secondFactor.required() && (await prisma.passkey.count({ where: { adminId } })) === 0)
        throw new InvalidInputError('this site requires a second factor: it cannot be turned off (enrol a new one to replace it)');
      const admin = await prisma.admin.update({
        where: { id: adminId },
        data: { totpSecret: null, totpPendingSecret: null, totpLastStep: null, totpEnabledAt: null },
      });
      await prisma.recoveryCode.deleteMany({ where: { adminId } });
      await log('second_factor_disabled', { account: admin.email, address: clientAddress, adminId });
      return true;
    },

    /** Whether an administrator has TOTP, how many recovery codes they have left, and how many passkeys. */
    async secondFactorStatus(adminId: string) {
      const admin = await prisma.admin.findUnique({
        where: { id: adminId },
        select: { totpEnabledAt: true, _count: { select: { recoveryCodes: true, passkeys: true } } },
      });
      return {
        totpEnabled: admin?.totpEnabledAt != null,
        recoveryCodesLeft: admin?._count.recoveryCodes ?? 0,
        passkeys: admin?._count.passkeys ?? 0,
      };
    },
  };
}
