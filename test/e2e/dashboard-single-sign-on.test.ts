// Single sign-on in the browser: "Sign in with <provider>" on the sign-in page, the provider's own
// login and consent pages (oidc-provider, a real provider in this process), back through the dashboard's
// callback to the overview as a viewer; a user the provider no longer knows is sent back to sign in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProvider } from '../integration/oidc-provider-support.ts';
import { startStack, type Stack } from './harness.ts';

describe('single sign-on in the dashboard', () => {
  let provider: Awaited<ReturnType<typeof startTestProvider>>;
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      env: async (dashboardUrl) => {
        provider = await startTestProvider(`${dashboardUrl}/login/callback`);
        provider.accounts.set('val', { email: 'val@example.org', groups: ['facegate-viewers'] });
        provider.accounts.set('nog', { email: 'nog@example.org', groups: ['staff'] });
        return { ...provider.env(), FACEGATE_LOCAL_ACCOUNTS: 'off' };
      },
    });
  }, 600_000);
  afterAll(async () => {
    await stack?.stop();
    await provider?.close();
  });

  /** Clicks the button and signs in on the provider's development login form, approving its consent page. */
  async function signInThroughProvider(page: import('playwright-core').Page, login: string) {
    await page.goto(`${stack.baseUrl}/login`);
    await expect.poll(() => page.getByLabel('Password').count()).toBe(0); // local accounts are off
    await page.getByRole('button', { name: 'Sign in with Test provider' }).click();
    await page.getByPlaceholder('Enter any login').fill(login);
    await page.getByPlaceholder('and password').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  it('signs a viewer in through the provider; removed there, they are sent back to sign in', { timeout: 180_000 }, async () => {
    const context = await stack.browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    await signInThroughProvider(page, 'val');
    await page.waitForURL(`${stack.baseUrl}/overview`);
    await expect.poll(() => page.locator('body').textContent()).toContain('val@example.org');
    provider.accounts.delete('val');
    await page.reload();
    await page.waitForURL(/\/login/);
    await context.close();
  });

  it('says in words why a user without a mapped group is refused', { timeout: 180_000 }, async () => {
    const context = await stack.browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    await signInThroughProvider(page, 'nog');
    await page.waitForURL(/\/login\?sso=no-role/);
    await expect.poll(() => page.locator('p[role=alert]').textContent()).toMatch(/no role here/);
    await context.close();
  });
});
