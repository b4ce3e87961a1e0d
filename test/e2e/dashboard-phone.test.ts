import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '@facegate/api';
import { facesDir, hasFaces } from '@facegate/face-core';
import { ADMIN, launchChromium, startStack, type Stack } from './harness.ts';
import { overflowPx, PHONE, shot, SHOTS, signIn, y4mFromPhoto } from './browser-support.ts';

const seed = path.join(facesDir(), 'seed');
const deepface = path.join(facesDir(), 'deepface');

/** A webhook receiver whose answer the test sets (204 or 500), keeping every request. */
function webhookReceiver() {
  const state = { status: 204, received: [] as { headers: IncomingHttpHeaders; body: string }[] };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      state.received.push({ headers: req.headers, body });
      res.writeHead(state.status).end();
    });
  });
  return {
    state,
    async start() {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as { port: number }).port}/facegate`;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Does the element sit inside the screen's width (nothing to scroll sideways to)? */
async function onScreen(locator: Locator): Promise<boolean> {
  await locator.waitFor();
  const box = await locator.boundingBox();
  return !!box && box.x >= 0 && box.x + box.width <= PHONE.width;
}

/** Reloads the page until the text shows (the webhook is sent in the background). */
async function reloadUntil(page: Page, locator: Locator, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await locator.count()) > 0) return;
    if (Date.now() > deadline) throw new Error(`not shown within ${timeoutMs / 1000} s: ${locator.toString()}`);
    await new Promise((r) => setTimeout(r, 500));
    await page.reload();
    // The page streams: its loading state first, then the content.
    await page.locator('main h1').first().waitFor();
  }
}

describe.skipIf(!hasFaces('seed'))(`the dashboard on a ${PHONE.width}x${PHONE.height} phone, and its webhooks (needs ${seed})`, () => {
  let stack: Stack;
  let context: BrowserContext;
  let page: Page;
  const hook = webhookReceiver();
  let hookUrl = '';

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    hookUrl = await hook.start();
    stack = await startStack({
      env: {
        // Two tries 0.2 s apart, so a failing receiver fails the delivery within the test.
        FACEGATE_WEBHOOK_MAX_ATTEMPTS: '2',
        FACEGATE_WEBHOOK_RETRY_BASE_MS: '200',
        FACEGATE_WEBHOOK_TIMEOUT_MS: '3000',
        // A broker that is not there, with credentials the page must not show.
        FACEGATE_MQTT_URL: 'mqtt://doorbot:not-for-eyes@127.0.0.1:9',
        FACEGATE_MQTT_TOPIC_PREFIX: 'office',
        // The receiver listens on this machine: the operator's allow-list opens it (webhooks to loopback are refused otherwise).
        FACEGATE_WEBHOOK_ALLOW: '127.0.0.1',
      },
    });
    // The tests send photo files, not camera frames: liveness off, as the README says such a door sets it.
    await stack.app.services.updateSettings({ liveness: 'off' });
    // A viewer in Paris: times on the page in CET, the CSV in ISO UTC.
    context = await stack.browser.newContext({ viewport: PHONE, deviceScaleFactor: 1, timezoneId: 'Europe/Paris' });
    page = await signIn(context, stack.baseUrl, ADMIN);
  }, 180_000);

  afterEach(async (test) => {
    // A failed step leaves a picture of where it stood, and the dashboard's log.
    if (test.task.result?.state === 'fail' && page && !page.isClosed()) {
      await shot(page, `failed-${test.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
      console.error(stack.dashboardOutput().slice(-3000));
    }
  });
  afterAll(async () => {
    await context?.close();
    await stack?.stop();
    await hook.close();
  });

  it('folds the navigation behind a Menu button that says whether it is open', async () => {
    const menu = page.getByRole('button', { name: 'Menu' });
    const people = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'People' });
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    expect(await people.isVisible()).toBe(false);
    await menu.click();
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    await people.waitFor();
    expect(await onScreen(people)).toBe(true);
    await shot(page, '30-phone-menu-open');
    await people.click();
    await page.waitForURL(/\/people$/);
    // Following a link folds it again.
    await page.waitForFunction(() => document.querySelector('.menu-button')?.getAttribute('aria-expanded') === 'false');
    expect(await people.isVisible()).toBe(false);
  });

  it('offers a skip link first, which moves the focus to the main content', async () => {
    await page.goto(`${stack.baseUrl}/overview`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to the main content');
    expect(await page.getByRole('link', { name: 'Skip to the main content' }).isVisible()).toBe(true);
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
  });

  it('draws the overview charts with labels of 11 px or more', async () => {
    await page.goto(`${stack.baseUrl}/overview`);
    await page.locator('main svg text').first().waitFor();
    const measure = () =>
      page.locator('main svg text').evaluateAll((texts) =>
        texts.map((t) => {
          const svg = (t as SVGTextElement).ownerSVGElement!;
          const view = svg.viewBox.baseVal;
          const scale = view && view.width > 0 ? svg.getBoundingClientRect().width / view.width : 1;
          return parseFloat(getComputedStyle(t).fontSize) * scale;
        }),
      );
    // The charts are drawn again at their measured width once the page is interactive; a label read
    // during that swap measures NaN (a CI run), so wait until every label has a size.
    await expect.poll(async () => (await measure()).every(Number.isFinite), { timeout: 10_000 }).toBe(true);
    const sizes = await measure();
    expect(sizes.length).toBeGreaterThan(3);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(11);
    expect(await overflowPx(page)).toBeLessThanOrEqual(0);
  });

  let secret = '';
  it('creates a webhook whose signing secret is shown once', async () => {
    await page.goto(`${stack.baseUrl}/webhooks`);
    await page.getByText('No webhook yet').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Doors to chat');
    await page.getByLabel(/^URL/).fill(hookUrl);
    await page.getByRole('button', { name: 'Create webhook' }).click();
    const shown = page.getByTestId('new-webhook-secret');
    await shown.waitFor();
    secret = (await shown.locator('.secret').textContent())!;
    expect(secret).toMatch(/^whsec_/);
    expect(await onScreen(shown.locator('.secret'))).toBe(true);
    await shot(page, '31-phone-webhook-created');
    await page.reload();
    await page.getByRole('link', { name: 'Doors to chat', exact: true }).waitFor();
    expect(await page.getByTestId('new-webhook-secret').count()).toBe(0);
    expect(await page.content()).not.toContain(secret);
    expect(await overflowPx(page)).toBeLessThanOrEqual(0);
  });

  it('shows the MQTT broker read-only, without its password, and says how to change it', async () => {
    const mqtt = page.getByTestId('mqtt');
    const text = (await mqtt.textContent())!;
    expect(text).toContain('mqtt://127.0.0.1:9');
    expect(text).toContain('with a user name and password, not shown');
    expect(text).not.toContain('not-for-eyes');
    expect(text).not.toContain('doorbot');
    expect(text).toContain('office/doors/<doorId>/events');
    expect(text).toContain('not connected');
    expect(text).toContain('FACEGATE_MQTT_URL');
    expect(await mqtt.locator('input, select, textarea').count()).toBe(0);
  });

  it('sends a signed test message and logs it delivered', async () => {
    await page.getByRole('button', { name: 'Send a test message to Doors to chat' }).click();
    await page.locator('.alert.ok', { hasText: 'test message is on its way' }).waitFor();
    await page.getByRole('link', { name: 'Delivery log of Doors to chat' }).click();
    await page.waitForURL(/\/webhooks\/\w+$/);
    const delivered = page.getByTestId('delivery').filter({ hasText: 'delivered' });
    await reloadUntil(page, delivered);
    expect(await delivered.first().textContent()).toContain('HTTP 204');
    expect(hook.state.received).toHaveLength(1);
    const request = hook.state.received[0]!;
    expect(JSON.parse(request.body).type).toBe('webhook.test');
    expect(
      verifyWebhookSignature(
        secret,
        request.headers['x-facegate-timestamp'] as string,
        request.body,
        request.headers['x-facegate-signature'] as string,
      ),
    ).toBe(true);
    expect(
      verifyWebhookSignature(
        'whsec_not-it',
        request.headers['x-facegate-timestamp'] as string,
        request.body,
        request.headers['x-facegate-signature'] as string,
      ),
    ).toBe(false);
  });

  it('logs an attempt sent to a failing receiver as failed with its last answer, and replays it', async () => {
    hook.state.status = 500;
    const before = hook.state.received.length;
    await page.goto(`${stack.baseUrl}/verify`);
    await page.getByLabel('A card id').check();
    await page.getByLabel('Card id', { exact: true }).fill('card-nobody');
    await page.locator('input[type=file][name=photo]').setInputFiles(path.join(seed, 'camera_2.jpg'));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByTestId('decision').waitFor();

    await page.goto(`${stack.baseUrl}/webhooks`);
    await page.getByRole('link', { name: 'Delivery log of Doors to chat' }).click();
    const failed = page.getByTestId('delivery').filter({ hasText: 'failed' });
    await reloadUntil(page, failed);
    const row = (await failed.first().textContent())!;
    expect(row).toContain('attempt · refused');
    expect(row).toContain('HTTP 500');
    expect(await failed.first().locator('td[data-label="Tries"]').textContent()).toBe('2');
    expect(hook.state.received.length - before).toBe(2);
    // The decision of each delivery (its status) leads the card and stays on the screen.
    expect(await onScreen(failed.first().locator('.badge'))).toBe(true);
    expect(await onScreen(failed.first().getByRole('button', { name: /^Replay/ }))).toBe(true);
    expect(await overflowPx(page)).toBeLessThanOrEqual(0);
    await shot(page, '32-phone-webhook-failed');

    hook.state.status = 204;
    await failed
      .first()
      .getByRole('button', { name: /^Replay/ })
      .click();
    await page.locator('.alert.ok', { hasText: 'Sent again as a new delivery' }).waitFor();
    await reloadUntil(page, page.getByTestId('delivery').first().filter({ hasText: 'delivered' }));
    expect(await page.getByTestId('delivery').first().textContent()).toContain('attempt · refused');
    // The replay is the same message (same id, same body), signed anew.
    const last = hook.state.received.at(-1)!;
    const firstTry = hook.state.received[before]!;
    expect(last.headers['x-facegate-id']).toBe(firstTry.headers['x-facegate-id']);
    expect(last.body).toBe(firstTry.body);
    expect(
      verifyWebhookSignature(
        secret,
        last.headers['x-facegate-timestamp'] as string,
        last.body,
        last.headers['x-facegate-signature'] as string,
      ),
    ).toBe(true);
    await shot(page, '33-phone-webhook-replayed');
  });

  it('shows the audit log as cards with the decision on screen, in local time with the zone named, and the CSV in ISO', async () => {
    await page.goto(`${stack.baseUrl}/audit`);
    const row = page.getByTestId('audit-row').first();
    await row.waitFor();
    expect(await onScreen(row.locator('.badge'))).toBe(true);
    expect(await row.locator('.badge').textContent()).toBe('refused');
    await page.getByTestId('time-zone').filter({ hasText: 'Europe/Paris' }).waitFor();
    const shown = (await row.locator('time').textContent())!;
    const iso = (await row.locator('time').getAttribute('datetime'))!;
    const paris = new Date(new Date(iso).getTime() + 3600_000).toISOString(); // CET (UTC+1) in November
    expect(shown).toMatch(new RegExp(`^${paris.slice(0, 10)} ${paris.slice(11, 19)} (CET|GMT\\+1)$`));
    expect(await overflowPx(page)).toBeLessThanOrEqual(0);
    const csv = await page.request.get(`${stack.baseUrl}/audit/export`);
    const line = (await csv.text()).trim().split('\r\n')[1]!;
    expect(line.split(',')[0]).toBe(iso);
    expect(line.split(',')[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    await shot(page, '34-phone-audit-cards');
    // The filters are typed in the viewer's time too, and sent as UTC: 06:00 in Paris is 05:00 UTC.
    await page.getByLabel(/^From/).fill('2026-11-29T06:00');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/from=2026-11-29T05%3A00/);
    // Once interactive, the field shows it back in Paris time (before that, a plain UTC field says so).
    await page.getByText('Europe/Paris', { exact: true }).first().waitFor();
    expect(await page.locator('#f-from').inputValue()).toBe('2026-11-29T06:00');
  });

  it('keeps Revoke and Remove on the screen in Settings', async () => {
    await page.goto(`${stack.baseUrl}/settings`);
    await page.getByLabel('Name', { exact: true }).fill('a reader with a rather long name for a small screen');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByTestId('new-secret').waitFor();
    await page.reload();
    const revoke = page.getByRole('button', { name: 'Revoke key a reader with a rather long name for a small screen' });
    await revoke.waitFor();
    expect(await onScreen(revoke)).toBe(true);
    const remove = page.getByRole('button', { name: /^Remove viewer@/ });
    expect(await onScreen(remove)).toBe(true);
    expect(await overflowPx(page)).toBeLessThanOrEqual(0);
    await shot(page, '35-phone-settings');
  });

  it('edits a schedule into several windows and a special day on the Access page, and checks who may pass then', async () => {
    await page.goto(`${stack.baseUrl}/settings`);
    await page.getByLabel('New door').fill('Front door');
    await page.getByRole('button', { name: 'Add door' }).click();
    await page.locator('.alert.ok', { hasText: 'Door “Front door” added.' }).waitFor();
    await page.goto(`${stack.baseUrl}/enroll`);
    await page.getByLabel('Name', { exact: true }).fill('younes');
    await page.locator('input[type=file][name=photos]').setInputFiles(path.join(seed, 'younes.jpg'));
    await page.getByRole('button', { name: 'Enroll' }).click();
    await page.locator('.alert.ok', { hasText: 'younes is enrolled' }).waitFor();

    await page.goto(`${stack.baseUrl}/access`);
    const door = page.getByRole('form', { name: 'Rules of Front door' });
    await door.getByLabel('Time zone').fill('Europe/Paris');
    await door.getByLabel('Who may pass').selectOption('GROUPS');
    await door.getByRole('button', { name: 'Save Front door' }).click();
    await door.locator('.alert.ok', { hasText: 'saved' }).waitFor();
    const schedule = page.getByRole('form', { name: 'New schedule' });
    await schedule.getByLabel('New schedule').fill('Office hours');
    await schedule.getByRole('button', { name: 'Add schedule' }).click();
    await page.getByText('Edit Office hours').waitFor();
    await page.getByRole('textbox', { name: 'New group' }).fill('Staff');
    await page.getByRole('button', { name: 'Add group' }).click();
    const staff = page.getByLabel('Group Staff', { exact: true });
    const add = staff.getByRole('form', { name: 'Add members to Staff' });
    await add.getByRole('checkbox', { name: /younes/ }).check();
    await add.getByRole('button', { name: 'Add 1 person to Staff' }).click();
    await staff
      .getByRole('form', { name: 'Remove members from Staff' })
      .getByRole('checkbox', { name: /younes/ })
      .waitFor();
    const grant = staff.getByRole('form', { name: 'Allow Staff at a door' });
    await grant.getByLabel('Door').selectOption({ label: 'Front door' });
    await grant.getByLabel('Schedule').selectOption({ label: 'Office hours' });
    await grant.getByRole('button', { name: 'Allow at door' }).click();
    await staff.getByText('Front door (Office hours)').waitFor();

    await page.getByText('Edit Office hours').click();
    const edit = page.getByRole('form', { name: 'Edit schedule Office hours' });
    await edit.getByLabel(/^Weekly hours/).fill('Mon-Fri 08:00-19:00\nSat 09:00-12:00');
    await edit.getByLabel(/^Special days/).fill('2026-12-24 08:00-12:00\n2026-12-25');
    await edit.getByRole('button', { name: 'Save Office hours' }).click();
    await page.getByText('Mon, Tue, Wed, Thu, Fri 08:00-19:00; Sat 09:00-12:00').waitFor();
    await page.getByText('2026-12-24 only 08:00-12:00; closed 2026-12-25').waitFor();
    expect(await overflowPx(page)).toBeLessThanOrEqual(0);

    // Times typed in the viewer's zone (Paris, as the door): Saturday morning yes, afternoon no, Christmas Eve morning only.
    const check = page.getByRole('form', { name: 'Check access' });
    const verdict = async (when: string) => {
      await check.getByLabel('Person').selectOption({ label: 'younes' });
      await check.getByLabel('Door').selectOption({ label: 'Front door' });
      await check.getByLabel(/^When/).fill(when);
      const answer = check.getByTestId('access-verdict').locator('p');
      const before = (await answer.count()) > 0 ? await answer.getAttribute('data-at') : null;
      await check.getByRole('button', { name: 'Check' }).click();
      // A new answer (its data-at), even when its words are those of the last one.
      await page.waitForFunction((b) => {
        const p = document.querySelector('[data-testid=access-verdict] p');
        return !!p && p.getAttribute('data-at') !== b;
      }, before);
      return (await answer.textContent())!;
    };
    expect(await verdict('2026-12-05T10:00')).toBe('Let in then, if the face matches.');
    expect(await verdict('2026-12-05T13:00')).toMatch(/^Refused then: outside the schedules/);
    expect(await verdict('2026-12-24T10:00')).toBe('Let in then, if the face matches.');
    expect(await verdict('2026-12-24T15:00')).toMatch(/^Refused then: outside the schedules/);
    expect(await verdict('2026-12-25T10:00')).toMatch(/^Refused then: outside the schedules/);
    await shot(page, '36-phone-access-schedule');
    // What the page shows is what the door obeys.
    const personId = (await stack.app.db.prisma.person.findFirstOrThrow({ where: { name: 'younes' } })).id;
    const doorId = (await stack.app.db.prisma.door.findFirstOrThrow({ where: { name: 'Front door' } })).id;
    expect(await stack.app.services.policy.check(personId, doorId, new Date('2026-12-05T09:00:00Z'))).toMatchObject({ allowed: true });
    expect(await stack.app.services.policy.check(personId, doorId, new Date('2026-12-05T12:00:00Z'))).toEqual({
      allowed: false,
      reason: 'outside_schedule',
    });
  });

  it('deletes the webhook after a confirmation', async () => {
    await page.goto(`${stack.baseUrl}/webhooks`);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete webhook Doors to chat' }).click();
    await page.locator('.alert.ok', { hasText: 'deleted, with its delivery log' }).waitFor();
    await page.getByText('No webhook yet').waitFor();
    expect(await stack.app.db.prisma.webhookDelivery.count()).toBe(0);
  });

  describe.skipIf(!hasFaces('deepface'))(
    `webcam enrolment and verification with Chromium's fake camera showing a real face (needs ${deepface})`,
    () => {
      let videos: string;
      const cameras: Browser[] = [];

      /** A Chromium whose webcam shows this photo, and a signed-in administrator in it. */
      async function withCamera(photo: string): Promise<Page> {
        const video = path.join(videos, `${path.basename(path.dirname(photo))}-${path.basename(photo)}.y4m`);
        await writeFile(video, await y4mFromPhoto(photo));
        const browser = await launchChromium([
          '--use-fake-device-for-media-stream',
          '--use-fake-ui-for-media-stream',
          `--use-file-for-fake-video-capture=${video}`,
        ]);
        cameras.push(browser);
        return signIn(await browser.newContext({ viewport: { width: 1280, height: 800 } }), stack.baseUrl, ADMIN);
      }

      /** Starts the webcam, waits for a frame and takes the photo. */
      async function takeWebcamPhoto(camera: Page) {
        await camera.getByRole('button', { name: 'Use webcam' }).click();
        await camera.waitForFunction(() => {
          const video = document.querySelector('video.webcam') as HTMLVideoElement | null;
          return !!video && video.videoWidth > 0 && video.readyState >= 2;
        });
        await camera.getByRole('button', { name: 'Take photo' }).click();
        await camera
          .getByRole('list', { name: 'Chosen photos' })
          .getByText(/^webcam-.*\.jpg$/)
          .waitFor();
      }

      beforeAll(async () => {
        videos = await mkdtemp(path.join(tmpdir(), 'facegate-webcam-'));
      });
      afterAll(async () => {
        for (const browser of cameras) await browser.close().catch(() => undefined);
        await rm(videos, { recursive: true, force: true });
      });

      it('enrols a person from the webcam', async () => {
        const camera = await withCamera(path.join(deepface, 'person_01', 'img1.jpg'));
        await camera.goto(`${stack.baseUrl}/enroll`);
        await camera.getByLabel('Name', { exact: true }).fill('webcam person');
        await takeWebcamPhoto(camera);
        await shot(camera, '37-webcam-enroll');
        await camera.getByRole('button', { name: 'Enroll' }).click();
        await camera.locator('.alert.ok', { hasText: 'webcam person is enrolled with 1 face sample.' }).waitFor({ timeout: 60_000 });
      });

      /** Verifies `photo`, fed to the fake camera, as the webcam person: the decision shown and the whole result. */
      async function verifyAtWebcam(photo: string, screenshot: string): Promise<{ decision: string; result: string }> {
        const camera = await withCamera(photo);
        await camera.goto(`${stack.baseUrl}/verify`);
        await camera.getByLabel('Person', { exact: true }).selectOption({ label: 'webcam person' });
        await takeWebcamPhoto(camera);
        await camera.getByRole('button', { name: 'Verify' }).click();
        const decision = camera.getByTestId('decision');
        await decision.waitFor({ timeout: 60_000 });
        const result = (await camera.getByTestId('result').textContent())!;
        await shot(camera, screenshot);
        return { decision: (await decision.textContent())!, result };
      }

      it('accepts the enrolled person at the webcam (another photo of them)', async () => {
        const { decision, result } = await verifyAtWebcam(path.join(deepface, 'person_01', 'img2.jpg'), '38-webcam-verify-accepted');
        expect(decision, result).toContain('Accepted');
      });

      it('refuses a stranger at the webcam claiming to be them', async () => {
        const { decision, result } = await verifyAtWebcam(path.join(deepface, 'person_02', 'img3.jpg'), '39-webcam-verify-stranger');
        expect(decision, result).toContain('Refused');
        expect(result).toContain('over: not the same person');
      });
    },
  );
});
