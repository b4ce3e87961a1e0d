import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces } from '@facegate/face-core';
import { apiClient } from '../integration/api-client.ts';
import { axeViolations, DESKTOP, overflowPx, PHONE, SHOTS, shot, signIn } from './browser-support.ts';
import { ADMIN, startStack, VIEWER, type Stack } from './harness.ts';

// Issue 25, items 8 and 9 through the real UI: the admin log in words, settings before and after, the
// raw record behind a toggle; a refused enrolment leaves no line; the security log has a page
// (administrators only); the overview counts "today" in the server's time zone, the one it names.
const faces = facesDir();
const seed = (name: string) => path.join(faces, 'seed', name);
const SERIOUS = new Set(['serious', 'critical']);
const ENROLL_PERSON = `mutation ($input: PersonInput!, $images: [File!]!) { enrollPerson(input: $input, images: $images) { __typename ... on MutationEnrollPersonSuccess { data { person { id } } } } }`;

describe.skipIf(!hasFaces('seed'))(`logs in words in Chromium (needs ${faces}/seed)`, () => {
  let stack: Stack;
  let desktop: BrowserContext;
  let phone: BrowserContext;
  let page: Page;
  let client: ReturnType<typeof apiClient>;
  let token: string;

  async function accessible(p: Page, where: string) {
    const violations = (await axeViolations(p)).filter((v) => SERIOUS.has(v.impact ?? ''));
    expect(violations.map((v) => `${where}: ${v.id} ${v.help} ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  }

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    // The server's zone (the API runs in this process): not UTC, so a UTC count would show.
    process.env.TZ = 'Pacific/Auckland';
    stack = await startStack();
    await stack.app.services.updateSettings({ liveness: 'off' });
    client = apiClient(stack.app);
    token = (
      await client.gql(
        `mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { ... on MutationLoginSuccess { data { token } } } }`,
        { e: ADMIN.email, p: ADMIN.password },
      )
    ).body.data!.login.data.token;
    desktop = await stack.browser.newContext({ viewport: DESKTOP });
    phone = await stack.browser.newContext({ viewport: PHONE });
    page = await signIn(desktop, stack.baseUrl, ADMIN);
  }, 900_000);
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail' && page && !page.isClosed()) {
      await shot(page, `failed-logs-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
      console.error(stack.dashboardOutput().slice(-3000));
    }
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('writes the admin log in words: settings before and after, no JSON or ids, the raw record behind a toggle', async () => {
    const changed = await client.gql(
      `mutation { updateSettings(input: { rateLimitPerMinute: 90, liveness: BALANCED }) { __typename } }`,
      {},
      token,
    );
    expect(changed.body.data!.updateSettings.__typename).toBe('MutationUpdateSettingsSuccess');
    // An enrolment refused (the face is younes's): nothing is created, nothing logged.
    const younes = await client.upload(
      ENROLL_PERSON,
      { input: { name: 'younes' }, images: [null] },
      { 'images.0': seed('younes.jpg') },
      token,
    );
    const again = await client.upload(
      ENROLL_PERSON,
      { input: { name: 'Someone else' }, images: [null] },
      { 'images.0': seed('younes.jpg') },
      token,
    );
    expect(younes.body.data!.enrollPerson.data.person).not.toBeNull();
    expect(again.body.data!.enrollPerson.data.person).toBeNull();

    await page.goto(`${stack.baseUrl}/admin-log`);
    const rows = page.getByTestId('admin-log-row');
    await rows.first().waitFor();
    const texts = await rows.evaluateAll((all) =>
      all.map(
        (r) =>
          (r.querySelector('td[data-label=Did]')?.textContent ?? '') +
          ' | ' +
          (r.querySelector('td[data-label=To]')?.textContent ?? '') +
          ' | ' +
          [...(r.querySelector('td[data-label=Details]')?.childNodes ?? [])]
            .filter((n) => n.nodeName !== 'DETAILS')
            .map((n) => n.textContent)
            .join(' '),
      ),
    );
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(/^enrolled a new person \| younes \| 1 photo enrolled/);
    const settings = rows.filter({ hasText: 'changed the settings' });
    expect(await settings.getByTestId('setting-changes').textContent()).toContain('attempts per minute per key: 600 → 90');
    expect(await settings.getByTestId('setting-changes').textContent()).toMatch(/liveness check: \w+ → balanced/);
    // Read as a reader sees it (toggles closed): no braces of JSON, no ids.
    for (const text of texts) {
      expect(text).not.toMatch(/[{}]/);
      expect(text).not.toMatch(/\bc[a-z0-9]{20,}\b/);
      expect(text).not.toMatch(/erased-/);
    }
    // The raw record is there for whoever opens it.
    await settings.locator('summary', { hasText: 'Raw record' }).click();
    expect(await settings.locator('details pre').textContent()).toContain('"rateLimitPerMinute": 90');
    await accessible(page, 'admin log');
    await shot(page, '62-desktop-admin-log-words');
  });

  it('has a security log page for administrators: failed sign-ins and second-factor failures in words', async () => {
    await client.gql(`mutation { login(email: "admin@facegate.test", password: "not the password") { __typename } }`);
    await page.goto(`${stack.baseUrl}/overview`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Security log' }).click();
    await page.getByRole('heading', { level: 1, name: 'Security log' }).waitFor();
    const failed = page.locator('[data-testid=security-row][data-kind=login_failed]');
    expect(await failed.count()).toBe(1);
    expect(await failed.textContent()).toContain('sign-in failed (wrong email or password)');
    expect(await failed.textContent()).toContain('admin@facegate.test');
    expect(await page.locator('[data-testid=security-row][data-kind=login_succeeded]').count()).toBeGreaterThanOrEqual(1);
    // Filtered by what happened.
    await page.getByLabel('What').selectOption({ label: 'sign-in failed (wrong email or password)' });
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/kind=login_failed/);
    expect(await page.getByTestId('security-row').count()).toBe(1);
    await accessible(page, 'security log');
    await shot(page, '62-desktop-security-log');

    const p = await signIn(phone, stack.baseUrl, ADMIN);
    for (const url of ['/security', '/admin-log']) {
      await p.goto(`${stack.baseUrl}${url}`);
      await p.getByRole('heading', { level: 1 }).waitFor();
      expect(await overflowPx(p), `${url} scrolls sideways on a phone`).toBeLessThanOrEqual(0);
      await accessible(p, `${url} (phone)`);
    }
    await shot(p, '63-phone-admin-log');

    // A viewer: neither in the navigation nor readable.
    const viewerContext = await stack.browser.newContext({ viewport: DESKTOP });
    const v = await signIn(viewerContext, stack.baseUrl, VIEWER);
    expect(await v.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Security log' }).count()).toBe(0);
    await v.goto(`${stack.baseUrl}/security`);
    await v.getByText('Only administrators read this log.').waitFor();
    expect(await v.getByTestId('security-row').count()).toBe(0);
    await viewerContext.close();
  });

  it("counts today's attempts in the server's time zone, and says which", async () => {
    await stack.app.services.audit.record({
      kind: 'identify',
      doorId: null,
      apiKeyId: null,
      adminId: null,
      threshold: 0.35,
      model: 'test',
      decision: 'refused',
      reason: 'no_match',
      distance: 0.8,
    });
    await page.goto(`${stack.baseUrl}/overview`);
    const figure = page.getByTestId('attempts-today');
    await figure.waitFor();
    expect(await figure.textContent()).toBe('1');
    expect(await page.locator('.label', { hasText: 'today (Pacific/Auckland)' }).count()).toBe(1);
    expect(await page.getByText('today (UTC)').count()).toBe(0);
    expect(await page.getByRole('img', { name: /Attempts per day \(Pacific\/Auckland\) over the last 30 days: 1 in all/ }).count()).toBe(1);
  });
});
