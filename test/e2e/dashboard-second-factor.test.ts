// Two-step sign-in in the browser: an administrator enrols an authenticator app on the Account page
// (the code computed from the secret the page shows, as the app would), sees the recovery codes once,
// and the next sign-in asks for the app's code after the password.
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.ts';

const ANN = { email: 'ann.totp@facegate.test', password: 'ann password 4711' };

describe('two-step sign-in in the dashboard', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    await stack.app.services.admins.create(ANN.email, ANN.password, 'admin');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('enrols an app on the Account page, then signs in with its code', async () => {
    const context = await stack.browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    const signIn = async () => {
      await page.goto(`${stack.baseUrl}/login`);
      await page.getByLabel('Email').fill(ANN.email);
      await page.getByLabel('Password').fill(ANN.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
    };
    await signIn();
    await page.waitForURL(`${stack.baseUrl}/overview`);

    await page.goto(`${stack.baseUrl}/account`);
    await expect.poll(() => page.getByTestId('totp-status').textContent()).toContain('off');
    await page.getByLabel('Your password').fill(ANN.password);
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
    const totp = new TOTP({ secret: Secret.fromBase32(secret) });
    await page.getByLabel('Code from the app').fill(totp.generate());
    await page.getByRole('button', { name: 'Turn on' }).click();
    await expect.poll(() => page.getByTestId('recovery-codes').locator('li').count()).toBe(10);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${stack.baseUrl}/login`);
    await signIn();
    await page.getByRole('heading', { name: 'Enter your code' }).waitFor();
    // A wrong code is refused in words; the next step's code (enrolment used this one) signs in.
    await page.getByLabel(/Code from your authenticator app/).fill(totp.generate({ timestamp: Date.now() - 5 * 60_000 }));
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.locator('#code-error').textContent()).toMatch(/wrong or already used code/i);
    await page.getByLabel(/Code from your authenticator app/).fill(totp.generate({ timestamp: Date.now() + 30_000 }));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${stack.baseUrl}/overview`);
    const kinds = (await stack.app.services.signIn.securityEvents({ first: 20, account: ANN.email })).map((e) => e.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(['second_factor_enrolled', 'second_factor_required', 'second_factor_failed', 'login_succeeded']),
    );
    await context.close();
  });

  it('when the site requires a second factor, an account without one enrols at sign-in and sees its recovery codes once', async () => {
    const bea = { email: 'bea.totp@facegate.test', password: 'bea password 4711' };
    await stack.app.services.admins.create(bea.email, bea.password, 'admin');
    await stack.app.services.updateSettings({ requireSecondFactor: true });
    const context = await stack.browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(`${stack.baseUrl}/login`);
    await page.getByLabel('Email').fill(bea.email);
    await page.getByLabel('Password').fill(bea.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Set up your authenticator app' }).waitFor();
    // No session yet: the dashboard's pages still send to the sign-in page.
    expect((await context.cookies()).some((c) => c.name === 'facegate_session')).toBe(false);
    const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
    await page.getByLabel('Code from the app').fill(new TOTP({ secret: Secret.fromBase32(secret) }).generate());
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.getByTestId('recovery-codes').locator('li').count()).toBe(10);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${stack.baseUrl}/overview`);
    await stack.app.services.updateSettings({ requireSecondFactor: false });
    await context.close();
  });
});
