import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces } from '@facegate/face-core';
import { ADMIN, startStack, VIEWER, type Stack } from './harness.ts';
import { axeViolations, DESKTOP, overflowPx, PHONE, shot, SHOTS, signIn, type AxeViolation } from './browser-support.ts';

const seed = path.join(facesDir(), 'seed');
const SERIOUS = new Set(['serious', 'critical']);

/** A page's name for its screenshot: /people/<id> -> people-detail. */
const slug = (pathname: string) => {
  const parts = pathname.split('/').filter(Boolean);
  return parts.length > 1 ? `${parts[0]}-detail` : (parts[0] ?? 'home');
};

/**
 * Every page of the dashboard, found as a user finds them: the main navigation's links, and for each
 * the first link in its content to a page under it (a person, an audit event, a webhook's log...), so
 * pages added later are covered without being listed here.
 */
async function discoverPages(page: Page, baseUrl: string): Promise<string[]> {
  await page.goto(`${baseUrl}/overview`);
  const nav = await page
    .locator('nav[aria-label="Main"] a')
    .evaluateAll((links) => links.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
  const pages: string[] = [];
  for (const href of nav) {
    pages.push(href);
    await page.goto(`${baseUrl}${href}`);
    await page.locator('main h1').first().waitFor();
    const detail = await page
      .locator('main a[href]')
      .evaluateAll(
        (links, base) =>
          links
            .map((a) => new URL((a as HTMLAnchorElement).href).pathname)
            .find((p) => p.startsWith(`${base}/`) && /^\/[^/]+\/[^/]+$/.test(p) && !p.endsWith('/export')),
        href,
      );
    if (detail && !pages.includes(detail)) pages.push(detail);
  }
  return pages;
}

/** Visible SVG texts drawn smaller than 11 CSS pixels (a viewBox scaled down shrinks its labels too). */
async function smallSvgLabels(page: Page): Promise<string[]> {
  return page.locator('main svg text').evaluateAll((texts) =>
    texts.flatMap((t) => {
      const text = t as SVGTextElement;
      const svg = text.ownerSVGElement;
      if (!svg || text.getClientRects().length === 0 || !text.textContent?.trim()) return [];
      const view = svg.viewBox.baseVal;
      const scale = view && view.width > 0 ? svg.getBoundingClientRect().width / view.width : 1;
      const px = parseFloat(getComputedStyle(text).fontSize) * scale;
      return px < 11 ? [`“${text.textContent.trim().slice(0, 20)}” ${px.toFixed(1)} px`] : [];
    }),
  );
}

/** A page as a reader sees it: content loaded (not the loading state) and hydrated. */
async function open(page: Page, url: string) {
  await page.goto(url);
  await page.locator('main h1, main [role=alert]').first().waitFor();
  await page.waitForLoadState('load');
  await page.waitForFunction(() => document.querySelector('[aria-busy=true]') === null).catch(() => undefined);
}

describe.skipIf(!hasFaces('seed'))(
  `every dashboard page with axe-core at ${DESKTOP.width}x${DESKTOP.height} and ${PHONE.width}x${PHONE.height} (needs ${seed})`,
  () => {
    let stack: Stack;
    let receiver: Server;
    let pages: string[] = [];

    beforeAll(async () => {
      await mkdir(SHOTS, { recursive: true });
      receiver = createServer((req, res) => req.resume().on('end', () => res.writeHead(204).end()));
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      // The receiver listens on this machine: the operator's allow-list opens it (webhooks to loopback are refused otherwise).
      stack = await startStack({ env: { FACEGATE_WEBHOOK_ALLOW: '127.0.0.1' } });
      // The tests send photo files, not camera frames: liveness off, as the README says such a door sets it.
      await stack.app.services.updateSettings({ liveness: 'off' });
      // Something on every page: a door, two people, an attempt, a webhook with a delivery.
      const context = await stack.browser.newContext({ viewport: DESKTOP });
      const page = await signIn(context, stack.baseUrl, ADMIN);
      await page.goto(`${stack.baseUrl}/settings`);
      await page.getByLabel('New door').fill('Front door');
      await page.getByRole('button', { name: 'Add door' }).click();
      await page.locator('.alert.ok', { hasText: 'Door “Front door” added.' }).waitFor();
      await page.goto(`${stack.baseUrl}/enroll`);
      for (const name of ['younes', 'benoit']) {
        await page.getByLabel('Name', { exact: true }).fill(name);
        await page.locator('input[type=file][name=photos]').setInputFiles(path.join(seed, `${name}.jpg`));
        await page.getByRole('button', { name: 'Enroll' }).click();
        await page.locator('.alert.ok', { hasText: `${name} is enrolled` }).waitFor();
      }
      await page.goto(`${stack.baseUrl}/verify`);
      await page.getByLabel('Person', { exact: true }).selectOption({ label: 'younes' });
      await page.locator('input[type=file][name=photo]').setInputFiles(path.join(seed, 'camera_0.jpg'));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByTestId('decision').waitFor();
      await page.goto(`${stack.baseUrl}/webhooks`);
      await page.getByLabel('Name', { exact: true }).fill('Receiver');
      await page.getByLabel(/^URL/).fill(`http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`);
      await page.getByRole('button', { name: 'Create webhook' }).click();
      await page.getByTestId('new-webhook-secret').waitFor();
      pages = await discoverPages(page, stack.baseUrl);
      await context.close();
    }, 180_000);

    afterAll(async () => {
      await stack?.stop();
      await new Promise((resolve) => receiver?.close(resolve));
    });

    it('finds the pages through the navigation, detail pages included', () => {
      console.info(`pages checked: ${pages.join(', ')}`);
      for (const expected of ['/overview', '/people', '/audit', '/access', '/webhooks', '/settings']) expect(pages).toContain(expected);
      expect(pages.some((p) => /^\/people\/[^/]+$/.test(p))).toBe(true);
      expect(pages.some((p) => /^\/webhooks\/[^/]+$/.test(p))).toBe(true);
    });

    const runs = [
      { who: 'admin', account: ADMIN, viewport: DESKTOP, prefix: '20-desktop' },
      { who: 'admin', account: ADMIN, viewport: PHONE, prefix: '21-phone' },
      { who: 'viewer', account: VIEWER, viewport: PHONE, prefix: '22-phone-viewer' },
    ] as const;

    for (const run of runs) {
      it(`has no serious or critical axe violation on any page for the ${run.who} at ${run.viewport.width}x${run.viewport.height}${run.viewport === PHONE ? ', and no page wider than the screen' : ''}`, async () => {
        const context = await stack.browser.newContext({ viewport: run.viewport });
        const problems: string[] = [];
        const report = (where: string, violations: AxeViolation[]) => {
          const serious = violations.filter((v) => SERIOUS.has(v.impact ?? ''));
          const minor = violations.filter((v) => !SERIOUS.has(v.impact ?? ''));
          console.info(
            `${run.prefix} ${where}: ${serious.length} serious/critical, ${minor.length} minor${minor.length ? ` (${minor.map((v) => `${v.id}:${v.impact}`).join(', ')})` : ''}`,
          );
          for (const v of serious)
            problems.push(
              `${where}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes
                .slice(0, 5)
                .map((n) => `${n.target.join(' ')} (${(n.failureSummary ?? '').replace(/\s+/g, ' ').slice(0, 160)})`)
                .join(' | ')}`,
            );
        };
        try {
          const visitor = await context.newPage();
          await visitor.goto(`${stack.baseUrl}/login`);
          report('/login', await axeViolations(visitor));
          if (run.viewport === PHONE) {
            const over = await overflowPx(visitor);
            if (over > 0) problems.push(`/login: ${over} px wider than the screen`);
          }
          await shot(visitor, `${run.prefix}-login`);
          await visitor.close();

          const page = await signIn(context, stack.baseUrl, run.account);
          for (const where of pages) {
            await open(page, `${stack.baseUrl}${where}`);
            report(where, await axeViolations(page));
            if (run.viewport === PHONE) {
              const over = await overflowPx(page);
              if (over > 0) problems.push(`${where}: ${over} px wider than the screen`);
              const small = await smallSvgLabels(page);
              if (small.length > 0)
                problems.push(`${where}: chart or figure labels under 11 px on the phone: ${small.slice(0, 5).join(', ')}`);
            }
            await shot(page, `${run.prefix}-${slug(where)}`);
          }
          if (run.viewport === PHONE) {
            // The folded menu, opened, passes too.
            await open(page, `${stack.baseUrl}/overview`);
            await page.getByRole('button', { name: 'Menu' }).click();
            await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'People' }).waitFor();
            report('/overview with the menu open', await axeViolations(page));
            await shot(page, `${run.prefix}-menu-open`);
          }
        } finally {
          await context.close();
        }
        expect(problems, problems.join('\n')).toEqual([]);
      }, 300_000);
    }
  },
);
