// Sign-in as an attacker sees it, over real HTTP: guessing passwords gets throttled per account and per
// address (the password is no longer even checked), every failure is in the security log, weak
// passwords are refused, and sessions end server-side when signed out or revoked.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { databases } from './databases.ts';

const ROOT = { email: 'root@facegate.test', password: 'root password 123' };
const LOCKOUT_SECONDS = 6;
const PER_ADDRESS = 8;

const LOGIN = `mutation ($email: String!, $password: String!) { login(email: $email, password: $password) {
  __typename ... on MutationLoginSuccess { data { token } } ... on Error { code message } ... on RateLimitedError { retryAfterSeconds } } }`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- GraphQL results are checked by the assertions
type Body = { data?: Record<string, any>; errors?: { message: string; extensions?: Record<string, unknown> }[] };

for (const database of databases()) {
  describe.skipIf(database.skip)(`sign-in under attack, on ${database.name}${database.skip ? ` (${database.skip})` : ''}`, () => {
    let app: App;
    let server: Server;
    let url: string;
    let dir: string;
    let rootToken: string;

    /** A JSON POST from `address` (this API trusts X-Forwarded-For from the loopback, as behind the dashboard). */
    async function gql(
      query: string,
      variables: Record<string, unknown>,
      options: { token?: string; address?: string } = {},
    ): Promise<Body> {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      if (options.address) headers['x-forwarded-for'] = options.address;
      const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      return (await response.json()) as Body;
    }
    const login = async (email: string, password: string, address: string) =>
      (await gql(LOGIN, { email, password }, { address })).data!.login;
    const securityLog = async (account: string) =>
      (
        await gql(
          'query ($account: String) { securityEvents(account: $account, first: 500) { kind account address } }',
          { account },
          { token: rootToken },
        )
      ).data!.securityEvents as {
        kind: string;
        account: string;
        address: string;
      }[];

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'facegate-signin-'));
      app = await createApp(
        loadConfig({
          DATABASE_URL: await database.url(dir),
          FACEGATE_ADMIN_EMAIL: ROOT.email,
          FACEGATE_ADMIN_PASSWORD: ROOT.password,
          FACEGATE_RECOGNIZER_THREADS: '1',
          FACEGATE_SIGNIN_LOCKOUT_SECONDS: String(LOCKOUT_SECONDS),
          FACEGATE_SIGNIN_MAX_FAILURES_PER_ADDRESS: String(PER_ADDRESS),
          FACEGATE_TRUSTED_PROXIES: '127.0.0.1',
        }),
      );
      server = createServer(app.yoga);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`;
      rootToken = (await login(ROOT.email, ROOT.password, '192.0.2.1')).data.token;
    });
    afterAll(async () => {
      await new Promise((resolve) => server?.close(resolve));
      await app?.close();
      await database.drop?.();
      await rm(dir, { recursive: true, force: true });
    });

    it('60 wrong passwords in a row: 5 are checked, the rest and then the right password are RATE_LIMITED until the lockout ends', async () => {
      await app.services.admins.create('ann@facegate.test', 'ann password 4711', 'admin');
      const answers = [];
      for (let i = 0; i < 60; i++) answers.push(await login('ann@facegate.test', `guess ${i}`, '198.51.100.1'));
      const codes = answers.map((a) => a.code);
      expect(codes.slice(0, 5)).toEqual(Array(5).fill('LOGIN_FAILED'));
      expect(codes.slice(5)).toEqual(Array(55).fill('RATE_LIMITED'));
      expect(answers[5].retryAfterSeconds).toBeGreaterThan(0);
      expect(answers[5].retryAfterSeconds).toBeLessThanOrEqual(LOCKOUT_SECONDS);
      // The right password does not get through while locked (from another address too: it is the account).
      const right = await login('ann@facegate.test', 'ann password 4711', '198.51.100.2');
      expect(right).toMatchObject({ __typename: 'RateLimitedError', code: 'RATE_LIMITED' });
      // Every attempt is in the security log, with the account and the address.
      const log = await securityLog('ann@facegate.test');
      expect(log.filter((e) => e.kind === 'login_failed')).toHaveLength(5);
      expect(log.filter((e) => e.kind === 'login_throttled')).toHaveLength(56);
      expect(log.find((e) => e.kind === 'login_failed')).toEqual({
        kind: 'login_failed',
        account: 'ann@facegate.test',
        address: '198.51.100.1',
      });
      // Once the window has passed, the right password works.
      await new Promise((r) => setTimeout(r, (right.retryAfterSeconds + 0.5) * 1000));
      expect((await login('ann@facegate.test', 'ann password 4711', '198.51.100.2')).__typename).toBe('MutationLoginSuccess');
    });

    it('30 guesses sent at once: the password is checked at most 5 times', async () => {
      await app.services.admins.create('bob@facegate.test', 'bob password 4711', 'admin');
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) => login('bob@facegate.test', `parallel guess ${i}`, `203.0.113.${i + 1}`)),
      );
      const failed = answers.filter((a) => a.code === 'LOGIN_FAILED').length;
      expect(failed).toBeLessThanOrEqual(5);
      expect(answers.filter((a) => a.code === 'RATE_LIMITED').length).toBe(30 - failed);
      expect((await securityLog('bob@facegate.test')).filter((e) => e.kind === 'login_failed')).toHaveLength(failed);
    });

    it(`one address guessing many accounts is throttled after ${PER_ADDRESS} failures; other addresses are not`, async () => {
      const codes = [];
      for (let i = 0; i < PER_ADDRESS + 2; i++)
        codes.push((await login(`nobody${i}@facegate.test`, 'whatever it is', '198.51.100.77')).code);
      expect(codes).toEqual([...Array(PER_ADDRESS).fill('LOGIN_FAILED'), 'RATE_LIMITED', 'RATE_LIMITED']);
      expect((await login('nobody0@facegate.test', 'whatever it is', '198.51.100.78')).code).toBe('LOGIN_FAILED');
      // Failed sign-ins for unknown accounts are logged too (the account as given).
      expect(await securityLog('nobody3@facegate.test')).toEqual([
        { kind: 'login_failed', account: 'nobody3@facegate.test', address: '198.51.100.77' },
      ]);
    });

    it('weak passwords are refused with WEAK_PASSWORD, and no administrator is created', async () => {
      for (const password of ['aaaaaaaaaa', '          ', 'password123', 'short']) {
        const { data } = await gql(
          'mutation ($p: String!) { createAdmin(email: "weak@facegate.test", password: $p, role: ADMIN, currentPassword: "root password 123") { __typename ... on Error { code } ... on WeakPasswordError { suggestions } } }',
          { p: password },
          { token: rootToken },
        );
        expect(data!.createAdmin, JSON.stringify(password)).toMatchObject({ __typename: 'WeakPasswordError', code: 'WEAK_PASSWORD' });
      }
      expect((await app.services.admins.list()).map((a) => a.email)).not.toContain('weak@facegate.test');
      const strong = await gql(
        'mutation { createAdmin(email: "strong@facegate.test", password: "plum orbit velvet 42", role: VIEWER, currentPassword: "root password 123") { __typename } }',
        {},
        { token: rootToken },
      );
      expect(strong.data!.createAdmin.__typename).toBe('MutationCreateAdminSuccess');
    });

    it('signing out ends the session server-side: the same token is refused afterwards', async () => {
      const token = (await login(ROOT.email, ROOT.password, '192.0.2.10')).data.token;
      expect((await gql('{ admins { id } }', {}, { token })).errors).toBeUndefined();
      expect((await gql('mutation { signOut { __typename } }', {}, { token })).data!.signOut.__typename).toBe('MutationSignOutSuccess');
      const after = await gql('{ admins { id } }', {}, { token });
      expect(after.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED');
      expect((await gql('{ me { kind } }', {}, { token })).data!.me).toBeNull();
    });

    it("an administrator revokes another's sessions; changing a password ends the other sessions and checks strength", async () => {
      await app.services.admins.create('carl@facegate.test', 'carl password 4711', 'viewer');
      const carl = (await login('carl@facegate.test', 'carl password 4711', '192.0.2.20')).data.token;
      const carlId = (await gql('{ me { id } }', {}, { token: carl })).data!.me.id;
      const revoked = await gql(
        'mutation ($id: ID!) { revokeSessions(adminId: $id, currentPassword: "root password 123") { ... on MutationRevokeSessionsSuccess { data } } }',
        { id: carlId },
        { token: rootToken },
      );
      expect(revoked.data!.revokeSessions.data).toBe(1);
      expect((await gql('{ me { kind } }', {}, { token: carl })).data!.me).toBeNull();
      // A viewer may not revoke anyone's sessions.
      const a = (await login('carl@facegate.test', 'carl password 4711', '192.0.2.20')).data.token;
      const refused = await gql('mutation ($id: ID!) { revokeSessions(adminId: $id) { __typename } }', { id: carlId }, { token: a });
      expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED');

      const b = (await login('carl@facegate.test', 'carl password 4711', '192.0.2.21')).data.token;
      const CHANGE =
        'mutation ($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { __typename ... on Error { code } } }';
      expect((await gql(CHANGE, { c: 'carl password 4711', n: 'aaaaaaaaaa' }, { token: a })).data!.changePassword.code).toBe(
        'WEAK_PASSWORD',
      );
      expect((await gql(CHANGE, { c: 'not the password', n: 'new carl secret 9931' }, { token: a })).data!.changePassword.code).toBe(
        'LOGIN_FAILED',
      );
      expect(
        (await gql(CHANGE, { c: 'carl password 4711', n: 'new carl secret 9931' }, { token: a })).data!.changePassword.__typename,
      ).toBe('MutationChangePasswordSuccess');
      expect((await gql('{ me { kind } }', {}, { token: a })).data!.me).toEqual({ kind: 'admin' });
      expect((await gql('{ me { kind } }', {}, { token: b })).data!.me).toBeNull();
      expect((await login('carl@facegate.test', 'carl password 4711', '192.0.2.22')).code).toBe('LOGIN_FAILED');
      expect((await login('carl@facegate.test', 'new carl secret 9931', '192.0.2.22')).__typename).toBe('MutationLoginSuccess');
      const kinds = (await securityLog('carl@facegate.test')).map((e) => e.kind);
      expect(kinds).toEqual(expect.arrayContaining(['sessions_revoked', 'password_changed', 'login_failed', 'login_succeeded']));
    });

    it('only administrators read the security log', async () => {
      await app.services.admins.create('dora@facegate.test', 'dora password 4711', 'viewer');
      const viewer = (await login('dora@facegate.test', 'dora password 4711', '192.0.2.30')).data.token;
      for (const token of [undefined, viewer]) {
        const { errors } = await gql('{ securityEvents { kind } }', {}, token ? { token } : {});
        expect(errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED');
      }
    });
  });
}
