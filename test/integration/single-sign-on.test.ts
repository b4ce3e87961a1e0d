// Single sign-on against a real OpenID Connect provider (oidc-provider, in this process on a loopback
// port): the authorization code flow driven over real HTTP as a browser would (the provider's own login
// and consent forms), the role mapped from the provider's groups claim, the attacks the state and nonce
// exist for refused, password sign-in turned off, and a user removed or changed at the provider losing
// access or changing role at the next check.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { databases } from './databases.ts';
import { startTestProvider } from './oidc-provider-support.ts';

const ROOT = { email: 'root@facegate.test', password: 'root password 123' };
const REDIRECT_URI = 'http://127.0.0.1:3999/login/callback';
const BEGIN = `mutation { beginSingleSignOn { __typename ... on MutationBeginSingleSignOnSuccess { data { authorizationUrl state } } ... on Error { code message } } }`;
const COMPLETE = `mutation ($url: String!, $state: String!) { completeSingleSignOn(callbackUrl: $url, state: $state) {
  __typename ... on MutationCompleteSingleSignOnSuccess { data { token admin { id email role } } } ... on Error { code message } } }`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- GraphQL results are checked by the assertions
type Body = { data?: Record<string, any>; errors?: { message: string; extensions?: Record<string, unknown> }[] };

/** Cookies of one browser (names are unique enough here to ignore paths). */
function cookieJar() {
  const jar = new Map<string, string>();
  return {
    header: () => [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
    store(response: Response) {
      for (const cookie of response.headers.getSetCookie()) {
        const [pair] = cookie.split(';');
        const at = pair!.indexOf('=');
        jar.set(pair!.slice(0, at), pair!.slice(at + 1));
      }
    },
  };
}

/**
 * A browser at the provider: follows its redirects, signs in as `accountId` on its login form and
 * approves on its consent form, and stops at the redirect back to facegate, whose URL it returns.
 */
async function signInAtProvider(authorizationUrl: string, accountId: string): Promise<string> {
  const jar = cookieJar();
  let url = new URL(authorizationUrl);
  let form: URLSearchParams | null = null;
  for (let hop = 0; hop < 20; hop++) {
    const response: Response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: jar.header(), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form ? { body: form.toString() } : {}),
    });
    jar.store(response);
    form = null;
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      url = new URL(location, url);
      if (url.href.startsWith(REDIRECT_URI)) return url.href;
      continue;
    }
    const html: string = await response.text();
    expect(response.status, html.slice(0, 500)).toBe(200);
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    expect(action && prompt, html.slice(0, 500)).toBeTruthy();
    url = new URL(action!, url);
    form = new URLSearchParams(prompt === 'login' ? { prompt, login: accountId, password: 'any password' } : { prompt: prompt! });
  }
  throw new Error('the provider did not redirect back');
}

for (const database of databases()) {
  describe.skipIf(database.skip)(
    `single sign-on (OpenID Connect), on ${database.name}${database.skip ? ` (${database.skip})` : ''}`,
    () => {
      let provider: Awaited<ReturnType<typeof startTestProvider>>;
      let app: App;
      let server: Server;
      let url: string;
      let dir: string;
      let adminToken: string;

      async function gql(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<Body> {
        const headers: Record<string, string> = { 'content-type': 'application/json', 'x-forwarded-for': '192.0.2.30' };
        if (token) headers.authorization = `Bearer ${token}`;
        const response: Response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
        return (await response.json()) as Body;
      }
      const begin = async () => (await gql(BEGIN)).data!.beginSingleSignOn.data as { authorizationUrl: string; state: string };
      const complete = async (callbackUrl: string, state: string) =>
        (await gql(COMPLETE, { url: callbackUrl, state })).data!.completeSingleSignOn;
      /** The whole sign-in of a provider user, as the dashboard does it. */
      async function signIn(accountId: string) {
        const { authorizationUrl, state } = await begin();
        return complete(await signInAtProvider(authorizationUrl, accountId), state);
      }
      const me = async (token: string) => (await gql('{ me { name role } }', {}, token)).data?.me as { name: string; role: string } | null;
      const securityLog = async (account: string) =>
        (
          (await gql('query ($a: String) { securityEvents(account: $a, first: 100) { kind address } }', { a: account }, adminToken)).data!
            .securityEvents as { kind: string; address: string }[]
        ).map((e) => e.kind);

      beforeAll(async () => {
        provider = await startTestProvider(REDIRECT_URI);
        const { accounts } = provider;
        accounts.set('ada', { email: 'ada@example.org', groups: ['staff', 'facegate-admins'] });
        accounts.set('vic', { email: 'vic@example.org', groups: ['facegate-viewers'] });
        accounts.set('nog', { email: 'nog@example.org', groups: ['staff'] });
        accounts.set('rex', { email: 'rex@example.org', groups: ['facegate-viewers'] });
        accounts.set('imp', { email: ROOT.email, groups: ['facegate-admins'] });
        dir = await mkdtemp(path.join(tmpdir(), 'facegate-sso-'));
        app = await createApp(
          loadConfig({
            DATABASE_URL: await database.url(dir),
            FACEGATE_ADMIN_EMAIL: ROOT.email,
            FACEGATE_ADMIN_PASSWORD: ROOT.password,
            FACEGATE_RECOGNIZER_THREADS: '1',
            FACEGATE_TRUSTED_PROXIES: '127.0.0.1',
            FACEGATE_LOCAL_ACCOUNTS: 'off',
            ...provider.env(),
          }),
        );
        server = createServer(app.yoga);
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
      }, 180_000);

      afterAll(async () => {
        server?.close();
        await provider?.close();
        await app?.close();
        await database.drop?.();
        await rm(dir, { recursive: true, force: true });
      }, 60_000);

      it('says how to sign in: single sign-on by its name, no passwords', async () => {
        expect((await gql('{ signInOptions { localAccounts singleSignOn } }')).data!.signInOptions).toEqual({
          localAccounts: false,
          singleSignOn: 'Test provider',
        });
      });

      it('throttles an address that starts sign-ins in a loop: RATE_LIMITED, and no more rows stored', { timeout: 60_000 }, async () => {
        // Starting a sign-in is anonymous and stores a row: an attacker's loop must not fill the database.
        const STARTS_PER_ADDRESS_PER_MINUTE = 30; // services/single-sign-on.ts
        const start = async () => {
          const response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.66' },
            body: JSON.stringify({ query: BEGIN }),
          });
          return ((await response.json()) as Body).data!.beginSingleSignOn as { __typename: string; code?: string };
        };
        const before = await app.db.prisma.singleSignOnRequest.count();
        const answers = [];
        for (let i = 0; i < STARTS_PER_ADDRESS_PER_MINUTE + 5; i++) answers.push(await start());
        expect(answers.slice(0, STARTS_PER_ADDRESS_PER_MINUTE).every((a) => a.__typename === 'MutationBeginSingleSignOnSuccess')).toBe(
          true,
        );
        expect(answers.slice(STARTS_PER_ADDRESS_PER_MINUTE).map((a) => a.code)).toEqual(Array(5).fill('RATE_LIMITED'));
        expect(await app.db.prisma.singleSignOnRequest.count()).toBe(before + STARTS_PER_ADDRESS_PER_MINUTE);
        // Another address is not held up by it.
        expect((await begin()).authorizationUrl).toMatch(/^http/);
      });

      it(
        'signs a member of the administrators group in as an administrator, logged like a password sign-in',
        { timeout: 60_000 },
        async () => {
          const result = await signIn('ada');
          expect(result.__typename, JSON.stringify(result)).toBe('MutationCompleteSingleSignOnSuccess');
          expect(result.data.admin).toMatchObject({ email: 'ada@example.org', role: 'ADMIN' });
          adminToken = result.data.token;
          expect(await me(adminToken)).toEqual({ name: 'ada@example.org', role: 'ADMIN' });
          expect(await securityLog('ada@example.org')).toEqual(['login_succeeded']);
          // The same provider user again is the same account (linked by issuer and subject).
          const again = await signIn('ada');
          expect(again.data.admin.id).toBe(result.data.admin.id);
        },
      );

      it("keeps the provider's refresh token sealed with the data key, never as written", async () => {
        const sessions = await app.db.prisma.adminSession.findMany({ where: { singleSignOn: true, revokedAt: null } });
        expect(sessions.length).toBeGreaterThan(0);
        for (const { providerRefreshToken: stored } of sessions) {
          const token = app.services.cipher.open(stored!).toString();
          expect(token.length).toBeGreaterThan(20);
          expect(Buffer.from(stored!).includes(token)).toBe(false);
        }
      });

      it('signs a member of the viewers group in read-only', { timeout: 60_000 }, async () => {
        const result = await signIn('vic');
        expect(result.data.admin).toMatchObject({ email: 'vic@example.org', role: 'VIEWER' });
        const token = result.data.token as string;
        expect(await me(token)).toEqual({ name: 'vic@example.org', role: 'VIEWER' });
        const refused = await gql('{ admins { email } }', {}, token);
        expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED');
      });

      it("signing out ends the session and forgets the provider's refresh token", { timeout: 60_000 }, async () => {
        const { token, admin } = (await signIn('vic')).data as { token: string; admin: { id: string } };
        expect((await gql('mutation { signOut { ... on MutationSignOutSuccess { data } } }', {}, token)).data!.signOut.data).toBe(true);
        expect(await me(token)).toBeNull();
        const ended = await app.db.prisma.adminSession.findMany({ where: { adminId: admin.id, revokedAt: { not: null } } });
        expect(ended.length).toBe(1);
        expect(ended[0]!.providerRefreshToken).toBeNull();
      });

      it('refuses a user whose groups map to no role, and makes no account for them', { timeout: 60_000 }, async () => {
        const result = await signIn('nog');
        expect(result).toMatchObject({ code: 'SINGLE_SIGN_ON_FAILED' });
        expect(result.message).toMatch(/no role/);
        const admins = (await gql('{ admins { email } }', {}, adminToken)).data!.admins as { email: string }[];
        expect(admins.map((a) => a.email)).not.toContain('nog@example.org');
        expect(await securityLog('nog@example.org')).toEqual(['login_failed']);
      });

      it('does not link a local account by email alone', { timeout: 60_000 }, async () => {
        const result = await signIn('imp');
        expect(result).toMatchObject({ code: 'SINGLE_SIGN_ON_FAILED' });
        expect(result.message).toMatch(/not linked/);
      });

      it('refuses an answer whose state was tampered with, and the sign-in is used up', { timeout: 60_000 }, async () => {
        const { authorizationUrl, state } = await begin();
        const callback = new URL(await signInAtProvider(authorizationUrl, 'ada'));
        const tampered = new URL(callback);
        tampered.searchParams.set('state', `${state.slice(0, -2)}xx`);
        const refused = await complete(tampered.href, state);
        expect(refused).toMatchObject({ code: 'SINGLE_SIGN_ON_FAILED' });
        expect(refused.message).toMatch(/state/);
        // The genuine answer after that: the started sign-in was used once, so it is refused too.
        expect(await complete(callback.href, state)).toMatchObject({ code: 'SINGLE_SIGN_ON_FAILED' });
        // A state this browser never kept (an attacker's own sign-in's) is refused.
        expect(await complete(callback.href, 'a state nobody issued')).toMatchObject({ code: 'SINGLE_SIGN_ON_FAILED' });
      });

      it('refuses an ID token whose nonce is not the sign-in’s', { timeout: 60_000 }, async () => {
        // The nonce sent to the provider is changed on the way (the code and PKCE are otherwise right).
        const { authorizationUrl, state } = await begin();
        const changed = new URL(authorizationUrl);
        changed.searchParams.set('nonce', 'a nonce of another sign-in');
        const refused = await complete(await signInAtProvider(changed.href, 'ada'), state);
        expect(refused).toMatchObject({ code: 'SINGLE_SIGN_ON_FAILED' });
        expect(refused.message).toMatch(/nonce/);
        // A code obtained for one sign-in, replayed with another sign-in's state (its nonce and verifier).
        const first = await begin();
        const second = await begin();
        const code = new URL(await signInAtProvider(first.authorizationUrl, 'ada'));
        code.searchParams.set('state', second.state);
        expect(await complete(code.href, second.state)).toMatchObject({ code: 'SINGLE_SIGN_ON_FAILED' });
      });

      it('refuses password sign-in when local accounts are off, logged', async () => {
        const result = (
          await gql(`mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { __typename ... on Error { code message } } }`, {
            e: ROOT.email,
            p: ROOT.password,
          })
        ).data!.login;
        expect(result.code).toBe('LOCAL_ACCOUNTS_DISABLED');
        expect((await securityLog(ROOT.email))[0]).toBe('login_failed');
      });

      it('applies a role changed at the provider at the next check', { timeout: 60_000 }, async () => {
        const token = (await signIn('rex')).data.token as string;
        expect((await me(token))?.role).toBe('VIEWER');
        provider.accounts.get('rex')!.groups = ['facegate-admins'];
        expect((await me(token))?.role).toBe('ADMIN');
        provider.accounts.get('rex')!.groups = ['staff'];
        expect(await me(token)).toBeNull();
        expect((await securityLog('rex@example.org'))[0]).toBe('single_sign_on_ended');
      });

      it('ends the session of a user removed at the provider at the next check', { timeout: 60_000 }, async () => {
        const token = (await signIn('vic')).data.token as string;
        expect(await me(token)).toEqual({ name: 'vic@example.org', role: 'VIEWER' });
        provider.accounts.delete('vic');
        const after = await gql('{ me { name } people(first: 1) { totalCount } }', {}, token);
        expect(after.data?.me ?? null).toBeNull();
        expect(after.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED');
        expect((await securityLog('vic@example.org'))[0]).toBe('single_sign_on_ended');
        // And cannot sign in again.
        const again = await begin();
        await expect(signInAtProvider(again.authorizationUrl, 'vic')).rejects.toThrow();
      });

      it(
        'counts as a second factor only when the provider reports one (amr/acr): refused when the site requires one',
        { timeout: 60_000 },
        async () => {
          await app.services.updateSettings({ requireSecondFactor: true });
          try {
            const result = await signIn('ada');
            expect(result).toMatchObject({ code: 'SINGLE_SIGN_ON_FAILED' });
            expect(result.message).toMatch(/second factor/);
            // Sessions opened without one end, as password sessions do.
            expect(await me(adminToken)).toBeNull();
          } finally {
            await app.services.updateSettings({ requireSecondFactor: false });
          }
        },
      );
    },
  );
}
