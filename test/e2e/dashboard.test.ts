import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces } from '@facegate/face-core';
import { ADMIN, startStack, VIEWER, type Stack } from './harness.ts';

const seed = path.join(facesDir(), 'seed');
const EMPLOYEES = ['andrew', 'arnaud', 'benoit', 'bertrand', 'dan', 'danielle', 'felix', 'kevin', 'kian', 'sebastiano', 'tian', 'younes'];
const photo = (name: string) => path.join(seed, name === 'danielle' ? 'danielle.png' : `${name}.jpg`);
const SHOTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');

async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

async function signIn(context: BrowserContext, baseUrl: string, who: { email: string; password: string }): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${baseUrl}/overview`);
  return page;
}

describe.skipIf(!hasFaces('seed'))(`the dashboard in Chromium on the exercise's office (needs ${seed})`, () => {
  let stack: Stack;
  let admin: BrowserContext;
  let page: Page;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    stack = await startStack();
    // The tests send photo files, not camera frames: liveness off, as the README says such a door sets it.
    await stack.app.services.updateSettings({ liveness: 'off' });
    admin = await stack.browser.newContext({ viewport: { width: 1280, height: 800 } });
  });
  afterEach(async (context) => {
    // A failed step leaves a picture of where it stood, and the dashboard's log.
    if (context.task.result?.state === 'fail' && page && !page.isClosed()) {
      await shot(page, `failed-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
      console.error(stack.dashboardOutput().slice(-3000));
    }
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('shows signed-out visitors nothing but the sign-in page, and says when the password is wrong', async () => {
    const context = await stack.browser.newContext();
    const visitor = await context.newPage();
    for (const where of ['/overview', '/people', '/audit', '/settings']) {
      await visitor.goto(`${stack.baseUrl}${where}`);
      expect(new URL(visitor.url()).pathname).toBe('/login');
    }
    expect(await visitor.getByRole('navigation').count()).toBe(0);
    const csv = await visitor.request.get(`${stack.baseUrl}/audit/export`);
    expect(csv.status()).toBe(401);
    await visitor.getByLabel('Email').fill(ADMIN.email);
    await visitor.getByLabel('Password').fill('not the password');
    await visitor.getByRole('button', { name: 'Sign in' }).click();
    await visitor.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
    await shot(visitor, '01-sign-in-wrong-password');
    await context.close();
  });

  it('signs an administrator in to the overview', async () => {
    page = await signIn(admin, stack.baseUrl, ADMIN);
    expect(await page.getByTestId('people-count').textContent()).toBe('0');
    await shot(page, '02-overview-empty');
  });

  it('adds a door and an API key whose secret is shown once', async () => {
    await page.goto(`${stack.baseUrl}/settings`);
    await page.getByLabel('New door').fill('Front door');
    await page.getByLabel('Location').fill('Ground floor');
    await page.getByRole('button', { name: 'Add door' }).click();
    await page.locator('.alert.ok', { hasText: 'Door “Front door” added.' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('front door reader');
    await page.getByLabel('Bound to door').selectOption({ label: 'Front door' });
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = page.getByTestId('new-secret');
    await secret.waitFor();
    expect(await secret.locator('.secret').textContent()).toMatch(/^fg_/);
    await shot(page, '03-settings-key-created');
    await page.reload();
    await page.getByRole('button', { name: 'Revoke key front door reader' }).waitFor();
    expect(await page.getByTestId('new-secret').count()).toBe(0);
  });

  it('enrolls the 12 employees by upload, and says why a photo is refused', async () => {
    await page.goto(`${stack.baseUrl}/enroll`);
    for (const name of EMPLOYEES) {
      await page.getByLabel('Name', { exact: true }).fill(name);
      await page.getByLabel('Card id').fill(`card-${name}`);
      await page.locator('input[type=file][name=photos]').setInputFiles(photo(name));
      await page.getByRole('button', { name: 'Enroll' }).click();
      await page.locator('.alert.ok', { hasText: `${name} is enrolled with 1 face sample.` }).waitFor();
    }
    const wall = path.join(await mkdtemp(path.join(tmpdir(), 'facegate-e2e-')), 'wall.png');
    await writeFile(
      wall,
      await sharp({ create: { width: 320, height: 240, channels: 3, background: '#8a7f70' } })
        .png()
        .toBuffer(),
    );
    await page.getByLabel('Name', { exact: true }).fill('nobody');
    await page.locator('input[type=file][name=photos]').setInputFiles(wall);
    await page.getByRole('button', { name: 'Enroll' }).click();
    await page.locator('.alert.error', { hasText: 'wall.png: No face was found in this photo.' }).waitFor();
    expect(await page.getByText('nobody was not enrolled: no photo had a usable face.').count()).toBe(1);
    // A refusal keeps what was typed and chosen, to be corrected.
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('nobody');
    expect(await page.getByRole('list', { name: 'Chosen photos' }).getByRole('listitem').count()).toBe(1);
    await shot(page, '04-enroll-refused-photo');
  });

  it('lists the people with thumbnails and sample counts, and searches them', async () => {
    await page.goto(`${stack.baseUrl}/people`);
    await page.getByRole('list', { name: 'People' }).waitFor();
    const cards = page.getByRole('list', { name: 'People' }).getByRole('listitem');
    expect(await cards.count()).toBe(12);
    for (const link of await cards.getByRole('link').all()) {
      const name = (await link.locator('strong').textContent())!;
      ids[name] = (await link.getAttribute('href'))!.split('/').pop()!;
    }
    expect(Object.keys(ids).sort()).toEqual(EMPLOYEES);
    expect(await page.locator('.people img.thumb').count()).toBe(12);
    await shot(page, '05-people');
    await page.getByLabel('Search by name or card id').fill('youn');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/q=youn/);
    await page.getByText('1 person matching “youn”').waitFor();
    expect(await cards.count()).toBe(1);
    expect(await cards.first().textContent()).toContain('1 sample');
  });

  it('adds a photo to a person and removes a sample', async () => {
    await page.goto(`${stack.baseUrl}/people/${ids.younes}`);
    await page.locator('input[type=file][name=photos]').setInputFiles(path.join(seed, 'camera_0.jpg'));
    await page.getByRole('button', { name: 'Add photos' }).click();
    await page.locator('.alert.ok', { hasText: '1 of 1 photo added.' }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=sample]').length === 2);
    await shot(page, '06-person-two-samples');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByTestId('sample').nth(1).getByRole('button', { name: 'Remove sample 2' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=sample]').length === 1);
  });

  let audit: Page;
  it('opens the audit log, subscribed to live updates', async () => {
    audit = await admin.newPage();
    audit.setDefaultTimeout(30_000);
    await audit.goto(`${stack.baseUrl}/audit`);
    await audit.getByTestId('live-status').filter({ hasText: 'Live' }).waitFor();
    expect(await audit.getByTestId('audit-row').count()).toBe(0);
  });

  it('verifies camera_0 as younes: accepted, distance under the threshold', async () => {
    await page.goto(`${stack.baseUrl}/verify`);
    await page.getByLabel('Person', { exact: true }).selectOption({ label: 'younes (card card-younes)' });
    await page.locator('#doorId').selectOption({ label: 'Front door' });
    await page.locator('input[type=file][name=photo]').setInputFiles(path.join(seed, 'camera_0.jpg'));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByTestId('decision').filter({ hasText: 'Accepted' }).waitFor();
    expect(await page.getByTestId('result').textContent()).toContain('under: same person');
    expect(await page.getByRole('img', { name: 'Aligned face from the photo given' }).count()).toBe(1);
    expect(await page.getByRole('img', { name: 'Enrolled face of younes' }).count()).toBe(1);
    await shot(page, '07-verify-accepted');
  });

  it('refuses camera_2 (benoit) claiming kian by card id', async () => {
    await page.goto(`${stack.baseUrl}/verify`);
    await page.getByLabel('A card id').check();
    await page.getByLabel('Card id', { exact: true }).fill('card-kian');
    await page.locator('input[type=file][name=photo]').setInputFiles(path.join(seed, 'camera_2.jpg'));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByTestId('decision').filter({ hasText: 'Refused' }).waitFor();
    const text = await page.getByTestId('result').textContent();
    expect(text).toContain('Claimed: kian');
    expect(text).toContain('over: not the same person');
    await shot(page, '08-verify-refused');
  });

  it('identifies camera_0 as younes, with the nearest candidates', async () => {
    await page.goto(`${stack.baseUrl}/identify`);
    await page.locator('input[type=file][name=photo]').setInputFiles(path.join(seed, 'camera_0.jpg'));
    await page.getByRole('button', { name: 'Identify' }).click();
    await page.getByTestId('decision').filter({ hasText: 'Accepted: younes' }).waitFor();
    const rows = page.getByTestId('candidates').locator('tbody tr');
    expect(await rows.count()).toBe(5);
    expect(await rows.first().textContent()).toContain('younes');
    await shot(page, '09-identify');
  });

  it('shows the three attempts in the audit log, arrived live, filters them and exports CSV', async () => {
    await audit.waitForFunction(() => document.querySelectorAll('[data-testid=audit-row]').length === 3);
    const live = await audit.getByTestId('audit-row').allTextContents();
    expect(live[0]).toMatch(/identify.*younes.*accepted/);
    expect(live[1]).toMatch(/verify.*kian.*refused/);
    expect(live[2]).toMatch(/verify.*Front door.*younes.*younes.*accepted/);
    await shot(audit, '10-audit-live');

    await audit.getByLabel('Decision').selectOption('REFUSED');
    await audit.getByRole('button', { name: 'Apply filters' }).click();
    await audit.waitForURL(/decision=REFUSED/);
    await audit.waitForFunction(() => document.querySelectorAll('[data-testid=audit-row]').length === 1);
    await audit.getByLabel('Decision').selectOption('');
    await audit.getByLabel('Door').selectOption({ label: 'Front door' });
    await audit.getByRole('button', { name: 'Apply filters' }).click();
    await audit.waitForURL(/door=/);
    await audit.waitForFunction(() => document.querySelectorAll('[data-testid=audit-row]').length === 1);

    const csv = await audit.request.get(`${stack.baseUrl}/audit/export?decision=REFUSED`);
    expect(csv.headers()['content-type']).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe('time,kind,door,api_key_id,admin,claimed,decided,distance,threshold,decision,reason,event_id');
    expect(lines).toHaveLength(2);
    // The administrator by email, distances to 4 decimals.
    expect(lines[1]).toMatch(/^[^,]+,verify,,,admin@facegate\.test,kian,,\d\.\d{4},\d\.\d{4},refused,no_match,\w+$/);
    await audit.close();
  });

  it('charts the attempts on the overview', async () => {
    await page.goto(`${stack.baseUrl}/overview`);
    await page.getByTestId('people-count').waitFor();
    expect(await page.getByTestId('people-count').textContent()).toBe('12');
    expect(await page.getByTestId('sample-count').textContent()).toBe('12');
    expect(await page.getByTestId('attempts-today').textContent()).toBe('3');
    await shot(page, '11-overview');
  });

  it('previews a threshold change on the last attempts before saving it, and saves nothing', async () => {
    await page.goto(`${stack.baseUrl}/settings`);
    await page.getByLabel('Fixed threshold').fill('0.6');
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByTestId('settings-preview');
    await preview.getByText(/Not saved yet\. Verification threshold 0\.\d{3} → 0\.600/).waitFor();
    expect(await preview.textContent()).toMatch(
      /Of the last 3 compared attempts, \d refused would now be accepted and 0 accepted would now be refused\./,
    );
    // The form keeps what was typed, and nothing changed on the server.
    expect(await page.getByLabel('Fixed threshold').inputValue()).toBe('0.6');
    expect(await stack.app.db.prisma.setting.count({ where: { key: 'thresholdOverride' } })).toBe(0);
  });

  it('lets a viewer see everything and change nothing', async () => {
    const context = await stack.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const viewer = await signIn(context, stack.baseUrl, VIEWER);
    expect(await viewer.getByText('viewer (read-only)').count()).toBe(1);
    await viewer.goto(`${stack.baseUrl}/people/${ids.younes}`);
    await viewer.getByRole('heading', { name: 'Face samples' }).waitFor();
    expect(await viewer.getByTestId('sample').count()).toBe(1);
    expect(await viewer.getByRole('button', { name: /Remove|Delete|Add photos|Save/ }).count()).toBe(0);
    await viewer.goto(`${stack.baseUrl}/enroll`);
    await viewer.getByText('only administrators can enroll people').waitFor();
    expect(await viewer.locator('input[type=file]').count()).toBe(0);
    await viewer.goto(`${stack.baseUrl}/verify`);
    await viewer.getByText('only administrators can run verifications').waitFor();
    expect(await viewer.getByRole('button', { name: 'Verify' }).count()).toBe(0);
    await viewer.goto(`${stack.baseUrl}/settings`);
    await viewer.getByRole('heading', { name: 'Doors' }).waitFor();
    expect(await viewer.getByRole('button', { name: /Save|Add|Create|Revoke|Remove|Delete/ }).count()).toBe(0);
    expect(await viewer.getByText('Front door').count()).toBeGreaterThan(0);
    await shot(viewer, '12-viewer-settings');
    await viewer.goto(`${stack.baseUrl}/audit`);
    await viewer.getByTestId('audit-table').waitFor();
    expect(await viewer.getByTestId('audit-row').count()).toBe(3);
    await context.close();
  });

  it("asks before a door's threshold moves far: the warning in words, nothing saved, then saved once confirmed", async () => {
    const stored = async () =>
      JSON.parse((await stack.app.db.prisma.door.findFirstOrThrow({ where: { name: 'Front door' } })).settings) as Record<string, unknown>;
    await page.goto(`${stack.baseUrl}/access`);
    const door = page.getByRole('form', { name: 'Rules of Front door' });
    const save = async (threshold: string) => {
      await door.getByLabel('Fixed threshold').fill(threshold);
      await door.getByRole('button', { name: 'Save Front door' }).click();
      const warning = door.locator('[data-warning=door-threshold]');
      await warning.waitFor();
      // What was typed is still there, to confirm as it is.
      expect(await door.getByLabel('Fixed threshold').inputValue()).toBe(threshold);
      return (await warning.textContent()) ?? '';
    };
    expect(await save('0.6')).toMatch(/Raising the threshold from 0\.\d+ to 0\.600 lets strangers in far more often/);
    expect(await stored()).not.toHaveProperty('thresholdOverride');
    await door.getByLabel(/I have read the warning/).check();
    await door.getByRole('button', { name: 'Save Front door' }).click();
    await door.locator('.alert.ok', { hasText: 'saved' }).waitFor();
    expect(await stored()).toMatchObject({ thresholdOverride: 0.6 });
    // Back to the threshold from the target: as large a move, confirmed too.
    expect(await save('')).toMatch(/Lowering the threshold from 0\.600/);
    await door.getByLabel(/I have read the warning/).check();
    await door.getByRole('button', { name: 'Save Front door' }).click();
    await door.locator('.alert.ok', { hasText: 'saved' }).waitFor();
    expect(await stored()).not.toHaveProperty('thresholdOverride');
  });

  it('sets who may open the front door when on the Access page, and the policy holds', async () => {
    await page.goto(`${stack.baseUrl}/access`);
    const door = page.getByRole('form', { name: 'Rules of Front door' });
    await door.getByLabel('Time zone').fill('Europe/Paris');
    await door.getByLabel('Who may pass').selectOption('GROUPS');
    await door.getByRole('button', { name: 'Save Front door' }).click();
    await door.locator('.alert.ok', { hasText: 'Door “Front door” saved.' }).waitFor();
    await page.reload();
    expect(await page.getByRole('form', { name: 'Rules of Front door' }).getByLabel('Who may pass').inputValue()).toBe('GROUPS');

    const schedule = page.getByRole('form', { name: 'New schedule' });
    await schedule.getByLabel('New schedule').fill('Office hours');
    await schedule.getByLabel('Closed on').fill('2026-12-25');
    await schedule.getByRole('button', { name: 'Add schedule' }).click();
    await page.getByText('Mon, Tue, Wed, Thu, Fri 08:00-19:00').waitFor();

    await page.getByRole('textbox', { name: 'New group' }).fill('Staff');
    await page.getByRole('button', { name: 'Add group' }).click();
    const staff = page.getByLabel('Group Staff', { exact: true });
    await staff.waitFor();
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

    const pin = page.getByRole('form', { name: 'Set a PIN' });
    await pin.getByLabel('Person').selectOption({ label: 'younes' });
    await pin.getByLabel('New PIN').fill('1234');
    await pin.getByRole('button', { name: 'Save PIN' }).click();
    await pin.getByRole('alert').filter({ hasText: 'too easy to guess' }).waitFor();
    // A sent form is reset (React form actions), so the person is chosen again.
    await pin.getByLabel('Person').selectOption({ label: 'younes' });
    await pin.getByLabel('New PIN').fill('4826');
    await pin.getByRole('button', { name: 'Save PIN' }).click();
    await page.getByText('With a PIN: younes.').waitFor();
    await shot(page, '13-access');

    // What the page set is what the door obeys: younes on a Tuesday at 10:00 and 23:00 in Paris, bertrand never.
    const frontDoor = (await stack.app.db.prisma.door.findFirstOrThrow({ where: { name: 'Front door' } })).id;
    const check = (who: string, at: string) => stack.app.services.policy.check(ids[who]!, frontDoor, new Date(at));
    expect(await check('younes', '2026-12-01T09:00:00Z')).toMatchObject({ allowed: true });
    expect(await check('younes', '2026-12-01T22:00:00Z')).toEqual({ allowed: false, reason: 'outside_schedule' });
    expect(await check('younes', '2026-12-25T09:00:00Z')).toEqual({ allowed: false, reason: 'outside_schedule' });
    expect(await check('bertrand', '2026-12-01T09:00:00Z')).toEqual({ allowed: false, reason: 'not_allowed_here' });
    expect((await stack.app.db.prisma.person.findUniqueOrThrow({ where: { id: ids.younes! } })).pinHash).toMatch(/^\$argon2id\$/);
  });

  it('deletes a person after a confirmation that says what is erased, and their photos are gone', async () => {
    await page.goto(`${stack.baseUrl}/people/${ids.kian}`);
    await page.getByRole('button', { name: 'Delete kian…' }).click();
    const dialog = page.getByRole('alertdialog');
    expect(await dialog.textContent()).toContain(
      'This erases kian, their face sample and the face encodings computed from them, for good.',
    );
    await shot(page, '13-delete-confirmation');
    await dialog.getByRole('button', { name: 'Yes, delete kian for good' }).click();
    await page.waitForURL(/\/people\?deleted=kian/);
    await page.getByText('kian was deleted, with 1 face sample and their encodings.').waitFor();
    expect(await page.getByRole('list', { name: 'People' }).getByRole('listitem').count()).toBe(11);
    expect(await stack.app.db.prisma.faceSample.count({ where: { personId: ids.kian! } })).toBe(0);
    expect(await stack.app.db.prisma.person.count({ where: { id: ids.kian! } })).toBe(0);
    // The page streams (loading state first), so the 404 shows in its content rather than its status.
    await page.goto(`${stack.baseUrl}/people/${ids.kian}`);
    await page.getByText('No person has this id').waitFor();
  });

  it("shows where a door's liveness scores lie and sets the door's own live point from them", async () => {
    const lab = await stack.app.services.access.doors.create('Lab', null);
    await stack.app.services.policy.configureDoor(lab.id, { settings: { liveness: 'balanced' } });
    // Twenty accepted attempts at the lab with the scores a webcam that sees live faces low leaves
    // (0.40 to 0.78), recorded as the recognition service records them.
    for (let i = 0; i < 20; i++) {
      await stack.app.services.audit.record({
        kind: 'verify',
        doorId: lab.id,
        apiKeyId: null,
        adminId: null,
        threshold: 0.4,
        model: 'test',
        decision: 'accepted',
        reason: 'pin_ok',
        livenessScore: 0.4 + i * 0.02,
      });
    }
    await page.goto(`${stack.baseUrl}/access`);
    const door = page.getByRole('form', { name: 'Rules of Lab' });
    const note = door.locator('[data-calibration=liveness]');
    await note.waitFor();
    expect(await note.textContent()).toMatch(
      /20 accepted attempts with a score in 30 days, 100 % of them asked for the PIN; 5 % scored under 0\.420/,
    );
    await door.getByRole('button', { name: /Use the suggestion 0\.420/ }).click();
    expect(await door.getByLabel(/Liveness live point/).inputValue()).toBe('0.4200');
    await door.getByRole('button', { name: 'Save Lab' }).click();
    await door.locator('.alert.ok', { hasText: 'Door “Lab” saved.' }).waitFor();
    const stored = JSON.parse((await stack.app.db.prisma.door.findUniqueOrThrow({ where: { id: lab.id } })).settings) as Record<
      string,
      unknown
    >;
    expect(stored).toMatchObject({ liveness: 'balanced', livenessLivePoint: 0.42 });
    await page.reload();
    expect(await page.getByRole('form', { name: 'Rules of Lab' }).locator('[data-calibration=liveness]').textContent()).toMatch(
      /PIN below 0\.420 \(this door’s own\)\. 20 accepted attempts with a score in 30 days, 5 % of them/,
    );
  });

  it('fits a phone screen', async () => {
    const context = await stack.browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
    const phone = await signIn(context, stack.baseUrl, ADMIN);
    await shot(phone, '14-phone-overview');
    await phone.goto(`${stack.baseUrl}/audit`);
    await phone.getByTestId('audit-table').waitFor();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(phone, '15-phone-audit');
    await context.close();
  });
});
