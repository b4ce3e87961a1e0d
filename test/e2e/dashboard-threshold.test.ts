import { mkdir } from 'node:fs/promises';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, DESKTOP, overflowPx, PHONE, SHOTS, shot, signIn } from './browser-support.ts';
import { ADMIN, startStack, type Stack } from './harness.ts';

// Issue 25, item 6 through the real UI: the threshold preview's curves agree with its text (no impostor
// accepted at the threshold in force), its labels are not clipped nor overlapping on a phone, a safer
// move is not an alarm, and a banner says when the threshold is far from the calibrated one.
const SERIOUS = new Set(['serious', 'critical']);

describe('threshold preview in Chromium', () => {
  let stack: Stack;
  let desktop: BrowserContext;
  let page: Page;

  async function preview(p: Page, threshold: string) {
    await p.goto(`${stack.baseUrl}/settings`);
    await p.getByLabel('Fixed threshold').fill(threshold);
    await p.getByRole('button', { name: 'Preview' }).click();
    const shown = p.getByTestId('threshold-preview');
    await shown.locator('[data-testid=preview-threshold]', { hasText: Number(threshold).toFixed(3) }).waitFor();
    return shown;
  }
  /** Every text of the previews' charts inside its chart, and the two threshold labels apart. */
  async function layout(p: Page) {
    return p.getByTestId('threshold-preview').evaluate((root) => {
      const outside = [...root.querySelectorAll('svg')].flatMap((svg) => {
        const box = svg.getBoundingClientRect();
        return [...svg.querySelectorAll('text')]
          .filter((t) => {
            const r = t.getBoundingClientRect();
            return !(r.left >= box.left - 0.5 && r.right <= box.right + 0.5 && r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5);
          })
          .map((t) => t.textContent);
      });
      const [a, b] = [...root.querySelectorAll('[data-testid=threshold-mark]')].map((t) => t.getBoundingClientRect());
      const apart = !a || !b || a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top;
      return { outside, apart, marks: root.querySelectorAll('[data-testid=threshold-mark]').length };
    });
  }

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    stack = await startStack();
    const verify = stack.app.services.settings.current().threshold;
    const record = (kind: 'verify' | 'identify', distance: number, threshold: number, decision: 'accepted' | 'refused', reason: string) =>
      stack.app.services.audit.record({
        kind,
        doorId: null,
        apiKeyId: null,
        adminId: null,
        distance,
        threshold,
        model: 'test',
        decision,
        reason,
      });
    // Genuine attempts, and refusals of the face: identifications under their own, lower threshold and
    // verifications under an older, lower one (in raw distances these read "accepted" at today's).
    for (const d of [0.18, 0.22, 0.26, 0.3]) await record('verify', d, verify, 'accepted', 'match');
    for (const d of [0.32, 0.34]) await record('identify', d, 0.3, 'refused', 'not_in_database');
    await record('verify', 0.33, 0.3, 'refused', 'no_match');
    for (const d of [0.55, 0.7]) await record('verify', d, verify, 'refused', 'no_match');
    // A liveness refusal of a matching face: decided by the liveness check, not by the distance.
    await record('verify', 0.2, verify, 'refused', 'presentation_attack');
    desktop = await stack.browser.newContext({ viewport: DESKTOP });
    page = await signIn(desktop, stack.baseUrl, ADMIN);
  }, 900_000);
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail' && page && !page.isClosed()) {
      await shot(page, `failed-threshold-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
      console.error(stack.dashboardOutput().slice(-3000));
    }
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('shows no impostor accepted at the threshold in force, as its text says', async () => {
    const current = stack.app.services.settings.current().threshold;
    const { deployment } = await stack.app.services.previewSettings({ threshold: 0.6 }, 500);
    const now = deployment.points.reduce((best, p) => (Math.abs(p.threshold - current) < Math.abs(best.threshold - current) ? p : best));
    // 5 impostors (the face refused them), none accepted at the threshold now; the liveness refusal left out.
    expect([deployment.genuine, deployment.impostor]).toEqual([4, 5]);
    expect(now.falseAcceptRate).toBe(0);
    const shown = await preview(page, '0.6');
    expect(await shown.getByRole('img', { name: /The deployment's trade-off/ }).count()).toBe(1);
    expect(await shown.textContent()).toContain('at the threshold now no impostor is accepted, by construction');
  });

  it('raises an alarm for a riskier move and a green note for a safer one', async () => {
    const riskier = await preview(page, '0.6');
    const alarm = riskier.locator('[data-warning=threshold]');
    expect(await alarm.getAttribute('data-risk')).toBe('riskier');
    expect(await alarm.getAttribute('class')).toContain('error');
    expect(await alarm.getAttribute('role')).toBe('alert');
    expect(await riskier.locator('[data-testid=threshold-mark]', { hasText: 'new' }).getAttribute('fill')).toBe('#b42318');

    const safer = await preview(page, '0.25');
    const note = safer.locator('[data-warning=threshold]');
    expect(await note.getAttribute('data-risk')).toBe('safer');
    expect(await note.getAttribute('class')).toContain('ok');
    expect(await note.getAttribute('role')).toBe('status');
    expect(await note.textContent()).toContain('Lowering the threshold');
    expect(await safer.locator('[data-testid=threshold-mark]', { hasText: 'new' }).getAttribute('fill')).toBe('#1a7f37');
    expect(await page.locator('[role=alert][data-warning=threshold]').count()).toBe(0);
    await shot(page, '64-desktop-threshold-safer');
  });

  it('keeps the labels inside the charts and apart, at 1440x900 and 390x844', async () => {
    const phoneContext = await stack.browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    const phone = await signIn(phoneContext, stack.baseUrl, ADMIN);
    for (const p of [page, phone]) {
      // Close thresholds: the two labels would cross if both were written to the right of their lines.
      for (const t of ['0.36', '0.33']) {
        await preview(p, t);
        expect(await layout(p)).toEqual({ outside: [], apart: true, marks: 2 });
      }
      if (p === phone) {
        expect(await overflowPx(p)).toBeLessThanOrEqual(0);
        await shot(p, '65-phone-threshold-preview');
      }
      const serious = (await axeViolations(p)).filter((v) => SERIOUS.has(v.impact ?? ''));
      expect(serious.map((v) => `${v.id} ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    }
    await phoneContext.close();
  });

  it('says on the settings page when the threshold is far from the calibrated one', async () => {
    await page.goto(`${stack.baseUrl}/settings`);
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    expect(await page.getByTestId('threshold-banner').count()).toBe(0);
    await stack.app.services.updateSettings({ threshold: 0.5 }, null, { confirmLargeChange: true });
    await page.reload();
    const banner = page.getByTestId('threshold-banner');
    await banner.waitFor();
    const calibrated = stack.app.services.settings.current();
    expect(await banner.textContent()).toMatch(
      /The threshold is far from the calibrated one: 0\.500 is fixed, while the false-accept target of 1 in [\d,]+ calibrates to 0\.\d{3}\. Strangers are let in far more often/,
    );
    expect(calibrated.threshold).toBe(0.5);
    await shot(page, '64-desktop-threshold-banner');
    // A small fixed move (within 0.05) is no banner.
    await stack.app.services.updateSettings({ threshold: null }, null, { confirmLargeChange: true });
    const back = stack.app.services.settings.current().threshold;
    await stack.app.services.updateSettings({ threshold: Math.round((back + 0.02) * 1000) / 1000 }, null, { confirmLargeChange: true });
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    expect(await page.getByTestId('threshold-banner').count()).toBe(0);
  });
});
