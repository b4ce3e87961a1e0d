import {
  authenticationOptions,
  parseAuthentication,
  parseRegistration,
  registrationOptions,
  verifyAuthentication,
  verifyRegistration,
  type RelyingParty,
} from '../../auth/passkeys.ts';
import { InvalidInputError, NotFoundError } from '../../errors.ts';
import { CHALLENGE_SECONDS, type SecondFactorParts } from './challenges.ts';
import { UNKNOWN_ADDRESS } from './security-log.ts';

/** Longest passkey name kept. */
export const MAX_PASSKEY_NAME = 64;
const PASSKEY_REFUSED = 'the passkey was not accepted: use one registered to this account, or a code';

/** Passkeys (WebAuthn) as a second factor: registration, sign-in, the account's list. */
export function createPasskeySteps(parts: SecondFactorParts, rp: RelyingParty) {
  const { prisma, secondFactor } = parts;
  const { log, codeAttempt } = parts.securityLog;
  const { findChallenge, hasSecondFactor, completeSecondFactor } = parts.challenges;
  /** A WebAuthn challenge for this administrator, in force 5 minutes (expired ones are swept now). */
  async function issuePasskeyChallenge(adminId: string, purpose: 'register' | 'authenticate', challenge: string): Promise<void> {
    await prisma.passkeyChallenge.deleteMany({ where: { expiresAt: { lt: new Date() } } });
    await prisma.passkeyChallenge.create({
      data: { challenge, adminId, purpose, expiresAt: new Date(Date.now() + CHALLENGE_SECONDS * 1000) },
    });
  }

  /** Takes a live WebAuthn challenge of this administrator and purpose out (used once, whatever follows); false when there is none. */
  async function takePasskeyChallenge(adminId: string, purpose: 'register' | 'authenticate', challenge: string): Promise<boolean> {
    const { count } = await prisma.passkeyChallenge.deleteMany({ where: { challenge, adminId, purpose, expiresAt: { gt: new Date() } } });
    return count === 1;
  }

  /**
   * Checks a passkey's answer (an assertion, as JSON): for a challenge issued to this administrator, by
   * one of their credentials, signed, its counter moved on. The counter is stored atomically from the
   * value read, so two uses racing with the same counter (a cloned key) pass once.
   */
  async function checkPasskey(admin: { id: string }, json: string): Promise<'passkey' | null> {
    const parsed = parseAuthentication(json);
    if (!parsed || !(await takePasskeyChallenge(admin.id, 'authenticate', parsed.challenge))) return null;
    const passkey = await prisma.passkey.findUnique({ where: { credentialId: parsed.response.id } });
    if (!passkey || passkey.adminId !== admin.id) return null;
    const counter = await verifyAuthentication(rp, parsed.response, parsed.challenge, passkey);
    if (counter === null) return null;
    const { count } = await prisma.passkey.updateMany({
      where: { id: passkey.id, counter: passkey.counter },
      data: { counter, lastUsedAt: new Date() },
    });
    return count === 1 ? 'passkey' : null;
  }

  return {
    /** Options for the browser to ask one of the account's passkeys, for a sign-in's challenge (JSON of PublicKeyCredentialRequestOptions). */
    async startPasskeySignIn(challengeToken: string, clientAddress: string | null): Promise<string> {
      const { admin } = await findChallenge(challengeToken, 'second_factor', clientAddress ?? UNKNOWN_ADDRESS);
      const passkeys = await prisma.passkey.findMany({ where: { adminId: admin.id } });
      if (passkeys.length === 0) throw new InvalidInputError('this account has no passkey: enter the code of your authenticator app');
      const options = await authenticationOptions(rp, passkeys);
      await issuePasskeyChallenge(admin.id, 'authenticate', options.challenge);
      return JSON.stringify(options);
    },

    /** The second step of a sign-in with a passkey: the challenge and the authenticator's answer (JSON) give the session. */
    loginPasskey(challengeToken: string, response: string, clientAddress: string | null) {
      return completeSecondFactor(challengeToken, clientAddress, (admin) => checkPasskey(admin, response), PASSKEY_REFUSED);
    },

    /** Options for the browser to create a passkey for this administrator (after the password was re-entered). */
    async startPasskeyRegistration(adminId: string): Promise<string> {
      const admin = await prisma.admin.findUnique({ where: { id: adminId }, include: { passkeys: true } });
      if (!admin) throw new NotFoundError('administrator');
      const options = await registrationOptions(rp, admin, admin.passkeys);
      await issuePasskeyChallenge(admin.id, 'register', options.challenge);
      return JSON.stringify(options);
    },

    /**
     * Stores the passkey the browser created for the challenge (attestation checked; throttled and logged
     * like a code). The session that registered it counts as one with a second factor from now on.
     */
    async finishPasskeyRegistration(
      by: { adminId: string; sessionId: string },
      name: string,
      response: string,
      clientAddress: string | null,
    ) {
      const label = name.trim();
      if (label.length === 0 || label.length > MAX_PASSKEY_NAME)
        throw new InvalidInputError(`name the passkey (1 to ${MAX_PASSKEY_NAME} characters), e.g. the device it lives on`);
      const admin = await prisma.admin.findUnique({ where: { id: by.adminId } });
      if (!admin) throw new NotFoundError('administrator');
      const { result: credential, attemptId } = await codeAttempt(
        admin,
        clientAddress ?? UNKNOWN_ADDRESS,
        async () => {
          const parsed = parseRegistration(response);
          if (!parsed || !(await takePasskeyChallenge(admin.id, 'register', parsed.challenge))) return null;
          const credential = await verifyRegistration(rp, parsed.response, parsed.challenge);
          // A credential is registered once (the browser is told to exclude the account's own).
          return credential && !(await prisma.passkey.findUnique({ where: { credentialId: credential.credentialId } })) ? credential : null;
        },
        'the passkey could not be verified (or is registered already): try again',
      );
      const [passkey] = await prisma.$transaction([
        prisma.passkey.create({ data: { ...credential, adminId: admin.id, name: label } }),
        prisma.securityEvent.update({ where: { id: attemptId }, data: { kind: 'passkey_added', adminId: admin.id } }),
        prisma.adminSession.updateMany({ where: { id: by.sessionId, secondFactor: null }, data: { secondFactor: 'passkey' } }),
      ]);
      return passkey;
    },

    /** An administrator's own passkeys, oldest first. */
    passkeys(adminId: string) {
      return prisma.passkey.findMany({ where: { adminId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    },

    passkeyCount(adminId: string) {
      return prisma.passkey.count({ where: { adminId } });
    },

    /** Deletes one of the caller's passkeys (after the password was re-entered); refused when it is their last second factor and the site requires one. */
    async removePasskey(adminId: string, passkeyId: string, clientAddress: string | null) {
      const passkey = await prisma.passkey.findFirst({ where: { id: passkeyId, adminId }, include: { admin: true } });
      if (!passkey) throw new NotFoundError('passkey');
      if (secondFactor.required() && !(await hasSecondFactor(passkey.admin, passkey.id))) {
        throw new InvalidInputError(
          'this site requires a second factor: add another passkey or an authenticator app before removing your last one',
        );
      }
      await prisma.passkey.delete({ where: { id: passkey.id } });
      await log('passkey_removed', { account: passkey.admin.email, address: clientAddress, adminId });
      return true;
    },
  };
}
