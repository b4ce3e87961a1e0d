// The dashboard as an attacker probes it: security headers, cross-site server actions, cookie flags,
// and signing out ending the session in the API (not only deleting the cookie).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startStack, type Stack } from './harness.ts';

describe('the dashboard defends itself', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    // The tests send photo files, not camera frames: liveness off, as the README says such a door sets it.
    await stack.app.services.updateSettings({ liveness: 'off' });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('sends CSP with frame-ancestors none, nosniff, a referrer policy and no framing on every page', async () => {
    for (const where of ['/login', '/overview']) {
      const response = await fetch(`${stack.baseUrl}${where}`, { redirect: 'manual' });
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toContain('unsafe-eval');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
    }
  });

  it('refuses a cross-site server action with 403, before it runs', async () => {
    const response = await fetch(`${stack.baseUrl}/login`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'next-action': '0'.repeat(42), 'content-type': 'text/plain;charset=UTF-8' },
      body: '[]',
    });
    expect(response.status).toBe(403);
  });

  it('signing out ends the session in the API: the stolen cookie no longer works; cookies are Secure behind https', async () => {
    const context = await stack.browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(`${stack.baseUrl}/login`);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${stack.baseUrl}/overview`);
    const cookie = (await context.cookies()).find((c) => c.name === 'facegate_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false });
    const me = async () => {
      const response = await stack.app.yoga.fetch('http://api/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${cookie.value}` },
        body: JSON.stringify({ query: '{ me { kind } }' }),
      });
      return ((await response.json()) as { data: { me: unknown } }).data.me;
    };
    expect(await me()).toEqual({ kind: 'admin' });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${stack.baseUrl}/login`);
    expect(await me()).toBeNull();
    // The sign-in was recorded with the browser's address, forwarded by the dashboard.
    const log = await stack.app.services.signIn.securityEvents({ first: 10, account: ADMIN.email });
    expect(log.map((e) => e.kind)).toEqual(expect.arrayContaining(['login_succeeded', 'signed_out']));
    expect(log.find((e) => e.kind === 'login_succeeded')?.address).toBe('127.0.0.1');
    await context.close();

    // Behind an https proxy (X-Forwarded-Proto: https) the cookie is Secure.
    const secure = await stack.browser.newContext({ extraHTTPHeaders: { 'x-forwarded-proto': 'https' } });
    const securePage = await secure.newPage();
    const setCookie = new Promise<string>((resolve) =>
      securePage.on('response', async (r) => {
        // Responses still arriving when the context closes below can no longer be read: not a failure.
        const value = await r.headerValue('set-cookie').catch(() => null);
        if (value?.includes('facegate_session=')) resolve(value);
      }),
    );
    await securePage.goto(`${stack.baseUrl}/login`);
    await securePage.getByLabel('Email').fill(ADMIN.email);
    await securePage.getByLabel('Password').fill(ADMIN.password);
    await securePage.getByRole('button', { name: 'Sign in' }).click();
    expect((await setCookie).toLowerCase()).toMatch(/;\s*secure/);
    await secure.close();
  });
});
