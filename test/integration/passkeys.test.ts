// Administrators' passkeys over real HTTP, driven by a software authenticator (real P-256 keys and
// signatures, software-authenticator.ts): registration confirmed with the password, sign-in in two steps,
// answers for another origin, another account, a used challenge or a counter that did not move on (a
// cloned key) refused, refused answers throttled and logged, unknown or expired challenges logged, one's
// own passkeys only, and the site's requirement satisfied by a passkey.
import { URI, type TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '@facegate/api/app';
import { databases } from './databases.ts';
import { startHttpApp } from './http-app.ts';
import { SoftwareAuthenticator } from './software-authenticator.ts';

const ROOT = { email: 'root@facegate.test', password: 'root password 123' };
const DASHBOARD = 'https://facegate.example.test:8443';
const LOCKOUT_SECONDS = 30;

const LOGIN = `mutation ($email: String!, $password: String!) { login(email: $email, password: $password) {
  __typename ... on MutationLoginSuccess { data { token } } ... on Error { code message }
  ... on SecondFactorRequiredError { challenge enrolmentRequired passkeyAvailable } ... on RateLimitedError { retryAfterSeconds } } }`;
const START_REGISTRATION = `mutation ($p: String!) { startPasskeyRegistration(currentPassword: $p) {
  __typename ... on MutationStartPasskeyRegistrationSuccess { data { optionsJson } } ... on Error { code message } } }`;
const FINISH_REGISTRATION = `mutation ($name: String!, $response: String!) { finishPasskeyRegistration(name: $name, response: $response) {
  __typename ... on MutationFinishPasskeyRegistrationSuccess { data { id name transports lastUsedAt } } ... on Error { code message } } }`;
const START_SIGN_IN = `mutation ($c: String!) { startPasskeySignIn(challenge: $c) {
  __typename ... on MutationStartPasskeySignInSuccess { data { optionsJson } } ... on Error { code message } } }`;
const LOGIN_PASSKEY = `mutation ($c: String!, $response: String!) { loginPasskey(challenge: $c, response: $response) {
  __typename ... on MutationLoginPasskeySuccess { data { token } } ... on Error { code message } ... on RateLimitedError { retryAfterSeconds } } }`;
const REMOVE = `mutation ($id: ID!, $p: String!) { removePasskey(id: $id, currentPassword: $p) { __typename ... on Error { code message } } }`;

for (const database of databases()) {
  describe.skipIf(database.skip)(`administrators' passkeys, on ${database.name}${database.skip ? ` (${database.skip})` : ''}`, () => {
    let app: App;
    let http: Awaited<ReturnType<typeof startHttpApp>>;
    let rootToken: string;
    const gql: typeof http.gql = (...args) => http.gql(...args);

    const login = async (email: string, password: string, address?: string) =>
      (await gql(LOGIN, { email, password }, { address })).data!.login;
    const securityLog = async (filter: { account?: string; kind?: string }) =>
      (
        await gql(
          'query ($account: String, $kind: String) { securityEvents(account: $account, kind: $kind, first: 500) { kind account address } }',
          filter,
          { token: rootToken },
        )
      ).data!.securityEvents as { kind: string; account: string | null; address: string }[];

    /** Registers a passkey of `authenticator` from a session; the finish mutation's answer. */
    async function register(token: string, password: string, authenticator: SoftwareAuthenticator, name: string) {
      const options = (await gql(START_REGISTRATION, { p: password }, { token })).data!.startPasskeyRegistration.data.optionsJson as string;
      return (await gql(FINISH_REGISTRATION, { name, response: authenticator.create(options) }, { token })).data!.finishPasskeyRegistration;
    }
    /** Password, then the passkey's options for the challenge. */
    async function passkeyStep(email: string, password: string, address?: string) {
      const first = await login(email, password, address);
      expect(first).toMatchObject({ __typename: 'SecondFactorRequiredError', passkeyAvailable: true });
      const options = (await gql(START_SIGN_IN, { c: first.challenge }, { address })).data!.startPasskeySignIn.data.optionsJson as string;
      return { challenge: first.challenge as string, options };
    }
    const loginPasskey = async (challenge: string, response: string, address?: string) =>
      (await gql(LOGIN_PASSKEY, { c: challenge, response }, { address })).data!.loginPasskey;

    beforeAll(async () => {
      http = await startHttpApp(
        database,
        {
          FACEGATE_ADMIN_EMAIL: ROOT.email,
          FACEGATE_ADMIN_PASSWORD: ROOT.password,
          FACEGATE_SIGNIN_LOCKOUT_SECONDS: String(LOCKOUT_SECONDS),
          FACEGATE_DASHBOARD_URL: DASHBOARD,
        },
        '192.0.2.20',
      );
      app = http.app;
      rootToken = (await login(ROOT.email, ROOT.password)).data.token;
    });
    afterAll(async () => {
      await http?.close();
    });

    it('registers a passkey (password asked again, origin and challenge checked), then signs in with it; a used challenge, another origin and a counter that did not move on are refused', async () => {
      const ann = { email: 'ann@facegate.test', password: 'ann password 4711' };
      await app.services.admins.create(ann.email, ann.password, 'admin');
      const token = (await login(ann.email, ann.password)).data.token as string;
      const phone = new SoftwareAuthenticator(DASHBOARD);

      // A stolen session alone cannot add a passkey.
      expect((await gql(START_REGISTRATION, { p: 'not the password' }, { token })).data!.startPasskeyRegistration).toMatchObject({
        code: 'LOGIN_FAILED',
      });
      const options = JSON.parse(
        (await gql(START_REGISTRATION, { p: ann.password }, { token })).data!.startPasskeyRegistration.data.optionsJson,
      );
      expect(options.rp).toEqual({ id: 'facegate.example.test', name: 'facegate' });
      expect(options.user.name).toBe(ann.email);
      // Created on another site (a phishing page's origin): refused, and that challenge is used up.
      const phishing = new SoftwareAuthenticator('https://facegate-example.test');
      expect(
        (await gql(FINISH_REGISTRATION, { name: 'Phone', response: phishing.create(JSON.stringify(options)) }, { token })).data!
          .finishPasskeyRegistration,
      ).toMatchObject({ code: 'LOGIN_FAILED' });
      expect(
        (await gql(FINISH_REGISTRATION, { name: 'Phone', response: phone.create(JSON.stringify(options)) }, { token })).data!
          .finishPasskeyRegistration,
      ).toMatchObject({ code: 'LOGIN_FAILED' });
      // A name is required (checked before anything else).
      expect((await gql(FINISH_REGISTRATION, { name: '  ', response: '{}' }, { token })).data!.finishPasskeyRegistration).toMatchObject({
        code: 'INVALID_INPUT',
      });
      const added = await register(token, ann.password, phone, 'Phone');
      expect(added.data).toMatchObject({ name: 'Phone', transports: ['internal'], lastUsedAt: null });
      expect((await gql('{ myPasskeys { id name } mySecondFactor { passkeys totpEnabled } }', {}, { token })).data).toEqual({
        myPasskeys: [{ id: added.data.id, name: 'Phone' }],
        mySecondFactor: { passkeys: 1, totpEnabled: false },
      });
      // At rest: the public key and the counter, nothing secret.
      const row = await app.db.prisma.passkey.findUniqueOrThrow({ where: { id: added.data.id } });
      expect(row.credentialId).toBe(phone.credentials.at(-1)!.id.toString('base64url'));
      expect(row.counter).toBe(0n);

      // The password alone is no longer a sign-in; the passkey completes it.
      const step = await passkeyStep(ann.email, ann.password);
      expect((await gql('{ me { name } }', {}, { token: step.challenge })).data!.me).toBeNull();
      expect(JSON.parse(step.options)).toMatchObject({
        rpId: 'facegate.example.test',
        allowCredentials: [{ id: row.credentialId, type: 'public-key', transports: ['internal'] }],
      });
      const assertion = phone.get(step.options);
      const signedIn = await loginPasskey(step.challenge, assertion);
      expect(signedIn.__typename).toBe('MutationLoginPasskeySuccess');
      expect((await gql('{ me { name } }', {}, { token: signedIn.data.token })).data!.me).toEqual({ name: ann.email });
      const used = await app.db.prisma.passkey.findUniqueOrThrow({ where: { id: added.data.id } });
      expect(used.counter).toBe(1n);
      expect(used.lastUsedAt).not.toBeNull();

      // The sign-in's challenge is used up; the same answer on a new sign-in names an old WebAuthn challenge.
      expect(await loginPasskey(step.challenge, phone.get(step.options))).toMatchObject({ code: 'LOGIN_FAILED' });
      const next = await passkeyStep(ann.email, ann.password);
      expect(await loginPasskey(next.challenge, assertion)).toMatchObject({ code: 'LOGIN_FAILED' });
      // A copy of the key whose counter did not move on (a cloned authenticator) is refused; that spends
      // the WebAuthn challenge, so the right answer to it is refused too.
      expect(await loginPasskey(next.challenge, phone.get(next.options, { counter: 1 }))).toMatchObject({ code: 'LOGIN_FAILED' });
      expect(await loginPasskey(next.challenge, phone.get(next.options))).toMatchObject({ code: 'LOGIN_FAILED' });
      const third = await passkeyStep(ann.email, ann.password);
      expect((await loginPasskey(third.challenge, phone.get(third.options))).__typename).toBe('MutationLoginPasskeySuccess');
      // A phishing page's answer (signed for another origin).
      const fourth = await passkeyStep(ann.email, ann.password);
      expect(await loginPasskey(fourth.challenge, phone.get(fourth.options, { origin: 'https://facegate-example.test' }))).toMatchObject({
        code: 'LOGIN_FAILED',
      });

      // TOTP stays the fallback: enrolled beside the passkey, its code completes a sign-in too.
      const start = (
        await gql(
          'mutation ($p: String!) { startTotpEnrolment(currentPassword: $p) { ... on MutationStartTotpEnrolmentSuccess { data { uri } } } }',
          { p: ann.password },
          { token },
        )
      ).data!.startTotpEnrolment.data;
      const totp = URI.parse(start.uri) as TOTP;
      await gql('mutation ($code: String!) { confirmTotpEnrolment(code: $code) { __typename } }', { code: totp.generate() }, { token });
      const byCode = await login(ann.email, ann.password);
      expect(byCode).toMatchObject({ passkeyAvailable: true, enrolmentRequired: false });
      const code = totp.generate({ timestamp: Date.now() + 30_000 });
      expect(
        (
          await gql('mutation ($c: String!, $code: String!) { loginSecondFactor(challenge: $c, code: $code) { __typename } }', {
            c: byCode.challenge,
            code,
          })
        ).data!.loginSecondFactor.__typename,
      ).toBe('MutationLoginSecondFactorSuccess');

      const kinds = (await securityLog({ account: ann.email })).map((e) => e.kind);
      expect(kinds.filter((k) => k === 'passkey_added')).toHaveLength(1);
      // Registration: wrong origin, spent challenge. Sign-in: old challenge, cloned key, spent challenge, wrong origin.
      expect(kinds.filter((k) => k === 'second_factor_failed')).toHaveLength(6);
      // The completed sign-in's challenge, answered again: gone, so logged with the address and no account.
      expect(kinds).not.toContain('second_factor_challenge_refused');
      expect(await securityLog({ kind: 'second_factor_challenge_refused' })).toEqual([
        { kind: 'second_factor_challenge_refused', account: null, address: '192.0.2.20' },
      ]);
      expect(kinds.filter((k) => k === 'login_succeeded')).toHaveLength(4);
    });

    it("only one's own passkeys: another account's credential is refused, another's passkey cannot be listed or removed; removal needs the password and really deletes", async () => {
      const bob = { email: 'bob@facegate.test', password: 'bob password 4711' };
      const cat = { email: 'cat@facegate.test', password: 'cat password 4711' };
      await app.services.admins.create(bob.email, bob.password, 'admin');
      await app.services.admins.create(cat.email, cat.password, 'viewer');
      const bobToken = (await login(bob.email, bob.password)).data.token as string;
      const catToken = (await login(cat.email, cat.password)).data.token as string;
      const bobKey = new SoftwareAuthenticator(DASHBOARD);
      const bobLaptop = new SoftwareAuthenticator(DASHBOARD);
      const catKey = new SoftwareAuthenticator(DASHBOARD);
      const bobPhone = (await register(bobToken, bob.password, bobKey, 'Phone')).data;
      const bobSecond = (await register(bobToken, bob.password, bobLaptop, 'Laptop')).data;
      const catPhone = (await register(catToken, cat.password, catKey, 'Cat phone')).data;

      // Each sees their own; an administrator sees how many another has, a viewer not even that.
      expect((await gql('{ myPasskeys { name } }', {}, { token: catToken })).data!.myPasskeys).toEqual([{ name: 'Cat phone' }]);
      expect((await gql('{ myPasskeys { name } }', {}, { token: bobToken })).data!.myPasskeys).toEqual([
        { name: 'Phone' },
        { name: 'Laptop' },
      ]);
      const admins = (await gql('{ admins { email passkeyCount } }', {}, { token: bobToken })).data!.admins as {
        email: string;
        passkeyCount: number;
      }[];
      expect(admins.find((a) => a.email === cat.email)?.passkeyCount).toBe(1);
      expect((await gql('{ admins { email passkeyCount } }', {}, { token: catToken })).errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED');
      // Nor removed by another (even with their own password right): not found, and still there.
      expect((await gql(REMOVE, { id: catPhone.id, p: bob.password }, { token: bobToken })).data!.removePasskey).toMatchObject({
        code: 'NOT_FOUND',
      });
      expect(await app.db.prisma.passkey.count({ where: { id: catPhone.id } })).toBe(1);

      // cat's passkey answering bob's sign-in (signed with a challenge bob's sign-in was given) is refused.
      const step = await passkeyStep(bob.email, bob.password, '198.51.100.30');
      const catAnswer = catKey.get(step.options, { use: catKey.credentials[0] });
      expect(await loginPasskey(step.challenge, catAnswer, '198.51.100.30')).toMatchObject({ code: 'LOGIN_FAILED' });

      // Removing needs the password; the removed passkey no longer signs in, the other one does.
      expect((await gql(REMOVE, { id: bobPhone.id, p: 'wrong password' }, { token: bobToken })).data!.removePasskey).toMatchObject({
        code: 'LOGIN_FAILED',
      });
      expect((await gql(REMOVE, { id: bobPhone.id, p: bob.password }, { token: bobToken })).data!.removePasskey.__typename).toBe(
        'MutationRemovePasskeySuccess',
      );
      expect(await app.db.prisma.passkey.count({ where: { id: bobPhone.id } })).toBe(0);
      const again = await passkeyStep(bob.email, bob.password, '198.51.100.30');
      expect(JSON.parse(again.options).allowCredentials).toHaveLength(1);
      expect(await loginPasskey(again.challenge, bobKey.get(again.options, { use: bobKey.credentials[0] }), '198.51.100.30')).toMatchObject(
        { code: 'LOGIN_FAILED' },
      );
      const last = await passkeyStep(bob.email, bob.password, '198.51.100.30');
      expect((await loginPasskey(last.challenge, bobLaptop.get(last.options), '198.51.100.30')).__typename).toBe(
        'MutationLoginPasskeySuccess',
      );
      expect(bobSecond.name).toBe('Laptop');

      const log = await securityLog({ account: bob.email });
      expect(log.filter((e) => e.kind === 'passkey_removed')).toHaveLength(1);
      expect(log.filter((e) => e.kind === 'second_factor_failed').map((e) => e.address)).toEqual(['198.51.100.30', '198.51.100.30']);
    });

    it('refused passkey answers count towards the sign-in lockout; unknown and expired challenges are logged', async () => {
      const dan = { email: 'dan@facegate.test', password: 'dan password 4711' };
      await app.services.admins.create(dan.email, dan.password, 'admin');
      const token = (await login(dan.email, dan.password, '203.0.113.1')).data.token as string;
      const key = new SoftwareAuthenticator(DASHBOARD);
      await register(token, dan.password, key, 'Key');
      const { challenge, options } = await passkeyStep(dan.email, dan.password, '203.0.113.1');
      const answers = [];
      for (let i = 0; i < 7; i++)
        answers.push(
          (
            await loginPasskey(
              challenge,
              i % 2 ? 'not json' : key.get(options, { origin: 'https://evil.test' }),
              `203.0.113.${1 + (i % 3)}`,
            )
          ).code,
        );
      expect(answers).toEqual([...Array(5).fill('LOGIN_FAILED'), 'RATE_LIMITED', 'RATE_LIMITED']);
      // Locked: a right answer is refused unchecked, and so is the password.
      expect(await loginPasskey(challenge, key.get(options))).toMatchObject({ code: 'RATE_LIMITED' });
      expect(await login(dan.email, dan.password)).toMatchObject({ code: 'RATE_LIMITED' });
      const log = await securityLog({ account: dan.email });
      expect(log.filter((e) => e.kind === 'second_factor_failed')).toHaveLength(5);
      expect(log.filter((e) => e.kind === 'login_throttled')).toHaveLength(4);

      // A challenge nobody was given, from an address: refused and logged with that address.
      expect(await loginPasskey('made-up-challenge', '{}', '203.0.113.50')).toMatchObject({ code: 'LOGIN_FAILED' });
      expect((await gql(START_SIGN_IN, { c: 'made-up-challenge' }, { address: '203.0.113.51' })).data!.startPasskeySignIn).toMatchObject({
        code: 'LOGIN_FAILED',
      });
      expect(
        (await gql('mutation { loginSecondFactor(challenge: "made-up", code: "123456") { __typename } }', {}, { address: '203.0.113.52' }))
          .data!.loginSecondFactor.__typename,
      ).toBe('LoginFailedError');
      const refused = await securityLog({ kind: 'second_factor_challenge_refused' });
      expect(
        refused
          .filter((e) => e.address.startsWith('203.0.113.5'))
          .map((e) => [e.address, e.account])
          .sort(),
      ).toEqual([
        ['203.0.113.50', null],
        ['203.0.113.51', null],
        ['203.0.113.52', null],
      ]);
      // An expired challenge of a real sign-in: logged under the account it was for.
      const eve = { email: 'eve@facegate.test', password: 'eve password 4711' };
      await app.services.admins.create(eve.email, eve.password, 'admin');
      const eveToken = (await login(eve.email, eve.password, '203.0.113.60')).data.token as string;
      const eveKey = new SoftwareAuthenticator(DASHBOARD);
      await register(eveToken, eve.password, eveKey, 'Key');
      const expired = await passkeyStep(eve.email, eve.password, '203.0.113.60');
      await app.db.prisma.signInChallenge.updateMany({
        where: { admin: { email: eve.email } },
        data: { expiresAt: new Date(Date.now() - 1000) },
      });
      expect(await loginPasskey(expired.challenge, eveKey.get(expired.options), '203.0.113.60')).toMatchObject({ code: 'LOGIN_FAILED' });
      expect(
        (await securityLog({ account: eve.email })).filter((e) => e.kind === 'second_factor_challenge_refused').map((e) => e.address),
      ).toEqual(['203.0.113.60']);
    });

    it('a passkey satisfies the site requirement; the last second factor cannot be removed while it is required', async () => {
      const REQUIRE =
        'mutation ($on: Boolean!) { updateSettings(input: { requireSecondFactor: $on }) { __typename ... on Error { code message } } }';
      const fay = { email: 'fay@facegate.test', password: 'fay password 4711' };
      await app.services.admins.create(fay.email, fay.password, 'admin');
      const token = (await login(fay.email, fay.password, '203.0.113.70')).data.token as string;
      expect((await gql(REQUIRE, { on: true }, { token })).data!.updateSettings).toMatchObject({ code: 'INVALID_INPUT' });
      const key = new SoftwareAuthenticator(DASHBOARD);
      const passkey = (await register(token, fay.password, key, 'Key')).data;
      // The session that registered the passkey counts as one with a second factor, and may require it.
      expect((await gql(REQUIRE, { on: true }, { token })).data!.updateSettings.__typename).toBe('MutationUpdateSettingsSuccess');
      expect((await gql('{ me { name } }', {}, { token })).data!.me).toEqual({ name: fay.email });
      // The password alone gives no enrolment challenge (she has a factor), and the passkey signs in.
      const step = await passkeyStep(fay.email, fay.password, '203.0.113.70');
      const session = await loginPasskey(step.challenge, key.get(step.options), '203.0.113.70');
      expect((await gql('{ admins { email } }', {}, { token: session.data.token })).data!.admins.length).toBeGreaterThan(0);
      // Her only second factor stays while the site requires one.
      expect((await gql(REMOVE, { id: passkey.id, p: fay.password }, { token })).data!.removePasskey).toMatchObject({
        code: 'INVALID_INPUT',
      });
      expect(await app.db.prisma.passkey.count({ where: { id: passkey.id } })).toBe(1);
      expect((await gql(REQUIRE, { on: false }, { token })).data!.updateSettings.__typename).toBe('MutationUpdateSettingsSuccess');
      expect((await gql(REMOVE, { id: passkey.id, p: fay.password }, { token })).data!.removePasskey.__typename).toBe(
        'MutationRemovePasskeySuccess',
      );
      expect((await login(fay.email, fay.password, '203.0.113.70')).__typename).toBe('MutationLoginSuccess');
    });
  });
}
