import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { TokenIssuer } from '../auth/tokens.ts';
import { checkPasswordStrength } from '../auth/password-policy.ts';
import {
  authenticationOptions,
  parseAuthentication,
  parseRegistration,
  registrationOptions,
  verifyAuthentication,
  verifyRegistration,
  type RelyingParty,
} from '../auth/passkeys.ts';
import { newRecoveryCodes, newTotpSecret, recoveryCodeHash, totpCode, totpEnrolment, totpStep } from '../auth/totp.ts';
import { hashPassword, verifyPassword } from '../db/secrets.ts';
import type { DataCipher } from '../db/sealed.ts';
import {
  InvalidInputError,
  LocalAccountsDisabledError,
  LoginFailedError,
  NotFoundError,
  RateLimitedError,
  SecondFactorRequiredError,
  SingleSignOnFailedError,
} from '../errors.ts';
import type { Prisma } from '../db/prisma.ts';
import type { SingleSignOn } from './single-sign-on.ts';

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
const UNKNOWN_ADDRESS = 'unknown';
/** Attempts that count towards the lockout: failed passwords and codes, and those being checked. */
const FAILURE_KINDS: SecurityEventKind[] = ['login_failed', 'login_pending', 'second_factor_failed', 'second_factor_challenge_refused'];
/** How long a sign-in waits for its second factor (or its enrolment) after the password. */
export const CHALLENGE_SECONDS = 5 * 60;

export type SecondFactor = 'totp' | 'recovery_code' | 'passkey' | 'provider';
/** Longest passkey name kept. */
export const MAX_PASSKEY_NAME = 64;
type ChallengePurpose = 'second_factor' | 'enrol';

/** What the second factor needs besides the database: the data key, and the site's setting. */
export interface SecondFactorOptions {
  /** Seals TOTP secrets at rest. */
  readonly cipher: DataCipher;
  /** Every administrator must sign in with a second factor (the requireSecondFactor setting). */
  readonly required: () => boolean;
  /** The dashboard, which passkeys are bound to (FACEGATE_DASHBOARD_URL). */
  readonly relyingParty: RelyingParty;
}

/** How administrators sign in besides the second factor: passwords (unless turned off), single sign-on. */
export interface SignInMethods {
  /** False: password sign-in is refused (FACEGATE_LOCAL_ACCOUNTS=off), and sessions opened with one end. */
  readonly localAccounts: boolean;
  readonly singleSignOn: SingleSignOn | null;
}

export function normalizeAccount(email: string): string {
  return email.trim().toLowerCase().slice(0, MAX_ACCOUNT_LENGTH);
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

  const PASSKEY_REFUSED = 'the passkey was not accepted: use one registered to this account, or a code';

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

  /** A new secret waiting for its first code (replacing nothing until then); what the app is given. */
  async function startEnrolment(admin: { id: string; email: string }) {
    const secret = newTotpSecret();
    await prisma.admin.update({ where: { id: admin.id }, data: { totpPendingSecret: cipher.seal(secret) } });
    return totpEnrolment(secret, admin.email);
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

    /** The second step of a sign-in: the challenge and a TOTP or recovery code give the session. */
    loginSecondFactor(challengeToken: string, typed: string, clientAddress: string | null) {
      return completeSecondFactor(challengeToken, clientAddress, (admin) => checkSecondFactor(admin, typed));
    },

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
