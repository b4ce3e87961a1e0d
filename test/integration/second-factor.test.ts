// Administrators' second factor (TOTP and recovery codes) over real HTTP, as its user and an attacker see
// it: enrolment confirmed by a code computed from the secret (otpauth, the authenticator app's algorithm),
// sign-in in two steps, replayed and used codes refused, wrong codes throttled and logged, and the site's
// requirement enforced on sessions opened with a password alone.
import { URI, type TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '@facegate/api/app';
import { databases } from './databases.ts';
import { startHttpApp } from './http-app.ts';

const ROOT = { email: 'root@facegate.test', password: 'root password 123' };
const LOCKOUT_SECONDS = 30;

const LOGIN = `mutation ($email: String!, $password: String!) { login(email: $email, password: $password) {
  __typename ... on MutationLoginSuccess { data { token } } ... on Error { code message }
  ... on SecondFactorRequiredError { challenge enrolmentRequired expiresAt } ... on RateLimitedError { retryAfterSeconds } } }`;
const SECOND = `mutation ($challenge: String!, $code: String!) { loginSecondFactor(challenge: $challenge, code: $code) {
  __typename ... on MutationLoginSecondFactorSuccess { data { token } } ... on Error { code message } } }`;
const START = `mutation ($p: String, $c: String) { startTotpEnrolment(currentPassword: $p, challenge: $c) {
  __typename ... on MutationStartTotpEnrolmentSuccess { data { secret uri } } ... on Error { code message } } }`;
const CONFIRM = `mutation ($code: String!, $c: String) { confirmTotpEnrolment(code: $code, challenge: $c) {
  __typename ... on MutationConfirmTotpEnrolmentSuccess { data { recoveryCodes session { token } } } ... on Error { code message } } }`;

/** The code an authenticator app shows `steps` 30-second steps from now. */
const codeAt = (totp: TOTP, steps = 0) => totp.generate({ timestamp: Date.now() + steps * 30_000 });
/** A 6-digit code that is none of the app's codes around now. */
const wrongCode = (totp: TOTP) => {
  const valid = new Set([-1, 0, 1].map((s) => codeAt(totp, s)));
  for (let n = 0; ; n++) if (!valid.has(String(n).padStart(6, '0'))) return String(n).padStart(6, '0');
};

for (const database of databases()) {
  describe.skipIf(database.skip)(`administrators' second factor, on ${database.name}${database.skip ? ` (${database.skip})` : ''}`, () => {
    let app: App;
    let http: Awaited<ReturnType<typeof startHttpApp>>;
    let rootToken: string;
    const gql: typeof http.gql = (...args) => http.gql(...args);

    const login = async (email: string, password: string, address?: string) =>
      (await gql(LOGIN, { email, password }, { address })).data!.login;
    const second = async (challenge: string, code: string, address?: string) =>
      (await gql(SECOND, { challenge, code }, { address })).data!.loginSecondFactor;
    const securityLog = async (account: string) =>
      (
        await gql(
          'query ($account: String) { securityEvents(account: $account, first: 500) { kind account address } }',
          { account },
          { token: rootToken },
        )
      ).data!.securityEvents as { kind: string; address: string }[];

    /** A new administrator who signs in and enrols an app from their session; what the app and they keep. */
    async function enrolled(email: string, password: string) {
      await app.services.admins.create(email, password, 'admin');
      const token = (await login(email, password)).data.token as string;
      const start = (await gql(START, { p: password }, { token })).data!.startTotpEnrolment;
      const totp = URI.parse(start.data.uri) as TOTP;
      const confirmed = (await gql(CONFIRM, { code: codeAt(totp) }, { token })).data!.confirmTotpEnrolment;
      return { token, totp, recoveryCodes: confirmed.data.recoveryCodes as string[], start };
    }

    beforeAll(async () => {
      http = await startHttpApp(
        database,
        {
          FACEGATE_ADMIN_EMAIL: ROOT.email,
          FACEGATE_ADMIN_PASSWORD: ROOT.password,
          FACEGATE_SIGNIN_LOCKOUT_SECONDS: String(LOCKOUT_SECONDS),
        },
        '192.0.2.10',
      );
      app = http.app;
      rootToken = (await login(ROOT.email, ROOT.password)).data.token;
    });
    afterAll(async () => {
      await http?.close();
    });

    it('enrols an app (confirmed only by a valid code), then signs in with a code; a replayed or older code is refused; a recovery code works once', async () => {
      const ann = { email: 'ann@facegate.test', password: 'ann password 4711' };
      await app.services.admins.create(ann.email, ann.password, 'admin');
      const token = (await login(ann.email, ann.password)).data.token as string;
      // A stolen session alone cannot enrol (and so lock its owner out): the password is asked again.
      expect((await gql(START, {}, { token })).data!.startTotpEnrolment).toMatchObject({ code: 'LOGIN_FAILED' });
      const start = (await gql(START, { p: ann.password }, { token })).data!.startTotpEnrolment.data;
      expect(start.uri).toMatch(/^otpauth:\/\/totp\/facegate:ann%40facegate\.test\?/);
      const totp = URI.parse(start.uri) as TOTP;
      expect(totp.secret.base32).toBe(start.secret);
      // Not in force before it is confirmed: the password alone still signs in.
      expect((await login(ann.email, ann.password)).__typename).toBe('MutationLoginSuccess');
      expect((await gql(CONFIRM, { code: wrongCode(totp) }, { token })).data!.confirmTotpEnrolment).toMatchObject({ code: 'LOGIN_FAILED' });
      const confirmed = (await gql(CONFIRM, { code: codeAt(totp) }, { token })).data!.confirmTotpEnrolment.data;
      expect(confirmed.session).toBeNull();
      const recoveryCodes = confirmed.recoveryCodes as string[];
      expect(new Set(recoveryCodes).size).toBe(10);

      // At rest: the secret is sealed with the data key, and the recovery codes are hashes.
      const row = await app.db.prisma.admin.findUniqueOrThrow({ where: { email: ann.email }, include: { recoveryCodes: true } });
      expect(Buffer.from(row.totpSecret!).subarray(0, 4).toString()).toBe('fgE1');
      expect(Buffer.from(row.totpSecret!).includes(Buffer.from(totp.secret.bytes))).toBe(false);
      expect(row.recoveryCodes.map((r) => r.codeHash).some((h) => recoveryCodes.some((c) => h.includes(c.replaceAll('-', ''))))).toBe(
        false,
      );

      // The password alone is no longer a sign-in: a challenge, not a session.
      const first = await login(ann.email, ann.password);
      expect(first).toMatchObject({ __typename: 'SecondFactorRequiredError', code: 'SECOND_FACTOR_REQUIRED', enrolmentRequired: false });
      expect((await gql('{ me { name } }', {}, { token: first.challenge })).data!.me).toBeNull();
      // The enrolment used this step's code: the next step's code (the app shows it within 30 s) signs in.
      const code = codeAt(totp, 1);
      const signedIn = await second(first.challenge, code);
      expect(signedIn.__typename).toBe('MutationLoginSecondFactorSuccess');
      expect((await gql('{ me { name } }', {}, { token: signedIn.data.token })).data!.me).toEqual({ name: ann.email });
      // The challenge is used up, and the code cannot be replayed, nor an older one used.
      expect(await second(first.challenge, codeAt(totp, 1))).toMatchObject({ code: 'LOGIN_FAILED' });
      const again = await login(ann.email, ann.password);
      expect(await second(again.challenge, code)).toMatchObject({ code: 'LOGIN_FAILED' });
      expect(await second(again.challenge, codeAt(totp))).toMatchObject({ code: 'LOGIN_FAILED' });

      // A recovery code (as typed: upper case, spaces) signs in once.
      const byRecovery = await second(again.challenge, recoveryCodes[0]!.toUpperCase().replaceAll('-', ' '));
      expect(byRecovery.__typename).toBe('MutationLoginSecondFactorSuccess');
      const third = await login(ann.email, ann.password);
      expect(await second(third.challenge, recoveryCodes[0]!)).toMatchObject({ code: 'LOGIN_FAILED' });
      expect(
        (await gql('{ mySecondFactor { totpEnabled recoveryCodesLeft required } }', {}, { token: byRecovery.data.token })).data!
          .mySecondFactor,
      ).toEqual({ totpEnabled: true, recoveryCodesLeft: 9, required: false });

      const kinds = (await securityLog(ann.email)).map((e) => e.kind);
      expect(kinds.filter((k) => k === 'second_factor_enrolled')).toHaveLength(1);
      expect(kinds.filter((k) => k === 'second_factor_failed')).toHaveLength(4); // wrong enrolment code, replay, older code, used recovery code
      expect(kinds.filter((k) => k === 'second_factor_required')).toHaveLength(3);
      expect(kinds.filter((k) => k === 'recovery_code_used')).toHaveLength(1);

      // Turned off with the password: the password alone signs in again, and the recovery codes are gone.
      const off = await gql(
        'mutation ($p: String!) { disableTotp(currentPassword: $p) { __typename ... on Error { code } } }',
        { p: ann.password },
        { token: byRecovery.data.token },
      );
      expect(off.data!.disableTotp.__typename).toBe('MutationDisableTotpSuccess');
      expect((await login(ann.email, ann.password)).__typename).toBe('MutationLoginSuccess');
      expect(await app.db.prisma.recoveryCode.count({ where: { adminId: row.id } })).toBe(0);
      expect((await securityLog(ann.email)).map((e) => e.kind)).toContain('second_factor_disabled');
    });

    it('wrong codes count towards the sign-in lockout (per account, across addresses) and are in the security log', async () => {
      const { totp } = await enrolled('bob@facegate.test', 'bob password 4711');
      const challenge = (await login('bob@facegate.test', 'bob password 4711', '198.51.100.1')).challenge as string;
      const answers = [];
      for (let i = 0; i < 7; i++) answers.push((await second(challenge, wrongCode(totp), `198.51.100.${1 + (i % 3)}`)).code);
      expect(answers).toEqual([...Array(5).fill('LOGIN_FAILED'), 'RATE_LIMITED', 'RATE_LIMITED']);
      // Locked: the right code and the right password are refused unchecked too.
      expect(await second(challenge, codeAt(totp, 1))).toMatchObject({ code: 'RATE_LIMITED' });
      expect(await login('bob@facegate.test', 'bob password 4711')).toMatchObject({ code: 'RATE_LIMITED' });
      const log = await securityLog('bob@facegate.test');
      expect(
        log
          .filter((e) => e.kind === 'second_factor_failed')
          .map((e) => e.address)
          .sort(),
      ).toEqual(['198.51.100.1', '198.51.100.1', '198.51.100.2', '198.51.100.2', '198.51.100.3']);
      expect(log.filter((e) => e.kind === 'login_throttled')).toHaveLength(4);
    });

    it('the site requires a second factor: password-only sessions end, an account without one may only enrol, and it cannot be turned off', async () => {
      const REQUIRE =
        'mutation ($on: Boolean!) { updateSettings(input: { requireSecondFactor: $on }) { __typename ... on Error { code message } ... on MutationUpdateSettingsSuccess { data { requireSecondFactor } } } }';
      // From a session without a second factor it cannot be turned on (it would end that very session).
      expect((await gql(REQUIRE, { on: true }, { token: rootToken })).data!.updateSettings).toMatchObject({ code: 'INVALID_INPUT' });
      const carol = await enrolled('carol@facegate.test', 'carol password 4711');
      expect((await gql(REQUIRE, { on: true }, { token: carol.token })).data!.updateSettings.data).toEqual({ requireSecondFactor: true });

      // root's session was opened with a password alone: it reaches nothing any more.
      expect((await gql('{ me { name } }', {}, { token: rootToken })).data!.me).toBeNull();
      expect((await gql('{ admins { email } }', {}, { token: rootToken })).errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED');
      // The carol session that enrolled did pass a second factor: it still works.
      expect((await gql('{ me { name } }', {}, { token: carol.token })).data!.me).toEqual({ name: 'carol@facegate.test' });

      // root's password gives an enrolment challenge, which is no session and no second factor.
      const challenge = await login(ROOT.email, ROOT.password);
      expect(challenge).toMatchObject({ __typename: 'SecondFactorRequiredError', enrolmentRequired: true });
      expect((await gql('{ admins { email } }', {}, { token: challenge.challenge })).errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED');
      expect(await second(challenge.challenge, '123456')).toMatchObject({ code: 'LOGIN_FAILED' });
      // A challenge cannot start an enrolment for an account that has one (carol's would be replaced).
      const carolChallenge = (await login('carol@facegate.test', 'carol password 4711')).challenge as string;
      expect((await gql(START, { c: carolChallenge })).data!.startTotpEnrolment).toMatchObject({ code: 'LOGIN_FAILED' });

      // Enrolling with the challenge completes the sign-in.
      const start = (await gql(START, { c: challenge.challenge })).data!.startTotpEnrolment.data;
      const totp = URI.parse(start.uri) as TOTP;
      const done = (await gql(CONFIRM, { code: codeAt(totp), c: challenge.challenge })).data!.confirmTotpEnrolment.data;
      expect(done.recoveryCodes).toHaveLength(10);
      rootToken = done.session.token;
      expect((await gql('{ admins { email } }', {}, { token: rootToken })).data!.admins.length).toBeGreaterThan(1);
      // The challenge was used once.
      expect((await gql(CONFIRM, { code: codeAt(totp, 1), c: challenge.challenge })).data!.confirmTotpEnrolment).toMatchObject({
        code: 'LOGIN_FAILED',
      });

      // Turning one's own second factor off is refused while the site requires it.
      const off = await gql(
        'mutation ($p: String!) { disableTotp(currentPassword: $p) { __typename ... on Error { code } } }',
        { p: 'carol password 4711' },
        { token: carol.token },
      );
      expect(off.data!.disableTotp).toMatchObject({ code: 'INVALID_INPUT' });
      expect((await gql(REQUIRE, { on: false }, { token: carol.token })).data!.updateSettings.data).toEqual({ requireSecondFactor: false });
    });
  });
}
