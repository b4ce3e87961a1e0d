// Passkeys in the browser: Chromium's virtual authenticator (DevTools protocol, WebAuthn domain) stands
// in for the laptop's fingerprint reader. An administrator adds a passkey on the Account page, signs in
// with password then passkey, a copy of the key whose signature counter went back (a cloned key) is
// refused and logged, so is the answer of a passkey removed while the sign-in waited, and a passkey
// removed on the Account page is gone: the next sign-in does not ask for it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.ts';

const ANN = { email: 'ann.passkey@facegate.test', password: 'ann password 4711' };

describe('passkeys in the dashboard', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    await stack.app.services.admins.create(ANN.email, ANN.password, 'admin');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('adds a passkey on the Account page, signs in with password then passkey; a cloned key, or one removed meanwhile, is refused and logged; one removed on the Account page is gone', async () => {
    const base = stack.passkeyUrl;
    const context = await stack.browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    const credentials = async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
    const signIn = async () => {
      await page.goto(`${base}/login`);
      await page.getByLabel('Email').fill(ANN.email);
      await page.getByLabel('Password').fill(ANN.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
    };
    const signOut = async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${base}/login`);
    };
    const securityLog = async () => (await stack.app.services.signIn.securityEvents({ first: 100, account: ANN.email })).map((e) => e.kind);

    await signIn();
    await page.waitForURL(`${base}/overview`);
    await page.goto(`${base}/account`);
    await expect.poll(() => page.getByTestId('passkey-list').textContent()).toContain('No passkey yet');
    await page.getByLabel('Passkey name').fill('Laptop');
    await page.getByLabel('Account password, to add it').fill(ANN.password);
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByText('Passkey “Laptop” added').waitFor();
    await page.reload();
    await expect.poll(() => page.getByTestId('passkey-list').textContent()).toContain('Laptop');
    // The key lives in the authenticator, bound to the dashboard's host; the server has its public half.
    const [created] = await credentials();
    expect(created).toMatchObject({ rpId: 'localhost', isResidentCredential: true });
    const row = await stack.app.db.prisma.passkey.findFirstOrThrow({ where: { admin: { email: ANN.email } } });
    expect(row).toMatchObject({
      name: 'Laptop',
      credentialId: created!.credentialId.replace(/=+$/, '').replaceAll('+', '-').replaceAll('/', '_'),
    });

    // Password, then the passkey.
    await signOut();
    await signIn();
    await page.getByRole('heading', { name: 'Use your passkey or a code' }).waitFor();
    expect((await context.cookies()).some((c) => c.name === 'facegate_session')).toBe(false);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.waitForURL(`${base}/overview`);
    const used = (await credentials())[0]!;
    expect(used.signCount).toBeGreaterThan(0);
    expect(await securityLog()).toEqual(expect.arrayContaining(['passkey_added', 'second_factor_required', 'login_succeeded']));

    // A copy of the key whose counter is behind the server's (a cloned authenticator): refused, logged.
    await signOut();
    await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: used.credentialId });
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...used, signCount: 0 } });
    await signIn();
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await expect.poll(() => page.locator('#passkey-error').textContent()).toMatch(/passkey was not accepted/i);
    expect((await securityLog()).filter((k) => k === 'second_factor_failed')).toHaveLength(1);
    expect((await context.cookies()).some((c) => c.name === 'facegate_session')).toBe(false);
    // The real key (its counter ahead) still signs in, on the same sign-in.
    await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: used.credentialId });
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...used, signCount: used.signCount + 5 } });
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.waitForURL(`${base}/overview`);

    // Removed (from another session of hers) while this sign-in waits for the key's answer: the answer,
    // signed by a key the server no longer has, is refused and logged.
    await signOut();
    await signIn();
    await page.route(`${base}/login`, async (route) => {
      if ((route.request().postData() ?? '').includes('clientDataJSON'))
        await stack.app.services.signIn.removePasskey(row.adminId, row.id, null);
      await route.continue();
    });
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await expect.poll(() => page.locator('#passkey-error').textContent()).toMatch(/passkey was not accepted/i);
    await page.unroute(`${base}/login`);
    expect((await securityLog()).filter((k) => k === 'second_factor_failed')).toHaveLength(2);
    expect((await context.cookies()).some((c) => c.name === 'facegate_session')).toBe(false);

    // With no factor left the password signs in; a new passkey, removed on the Account page (password
    // again): deleted, and no longer asked for at sign-in.
    await signIn();
    await page.waitForURL(`${base}/overview`);
    await page.goto(`${base}/account`);
    await page.getByLabel('Passkey name').fill('Phone');
    await page.getByLabel('Account password, to add it').fill(ANN.password);
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByText('Passkey “Phone” added').waitFor();
    await page.reload();
    const phone = await stack.app.db.prisma.passkey.findFirstOrThrow({ where: { admin: { email: ANN.email } } });
    await page.getByLabel('Account password, to remove “Phone”').fill(ANN.password);
    await page.getByRole('button', { name: 'Remove Phone' }).click();
    // The list is the answer: the passkey (and its form) leaves it.
    await expect.poll(() => page.getByTestId('passkey-list').textContent()).toContain('No passkey yet');
    expect(await stack.app.db.prisma.passkey.count({ where: { id: phone.id } })).toBe(0);
    await signOut();
    await signIn();
    await page.waitForURL(`${base}/overview`);
    expect((await securityLog()).filter((k) => k === 'passkey_removed')).toHaveLength(2);
    await context.close();
  });
});
