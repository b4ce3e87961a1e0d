// Issue 13 items 3, 4, 6 in Chromium: learning faces refused at a door, the bulk import of a zip and of
// a folder, the person page (doors, groups, passes, history), the audit event page, the administrators'
// log; screenshots of each new page at 1440x900 and 390x844 (test/e2e/screenshots/history-*.png).
import { mkdir, mkdtemp, readdir, readFile, rm, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces } from '@facegate/face-core';
import { apiClient } from '../integration/api-client.ts';
import { DESKTOP, PHONE, overflowPx, shot, signIn } from './browser-support.ts';
import { ADMIN, startStack, VIEWER, type Stack } from './harness.ts';

const seed = path.join(facesDir(), 'seed');
const celeba = path.join(facesDir(), 'celeba-dev');
const STRANGER = 'id_07203';

const IDENTIFY = `mutation ($image: File, $doorId: ID) { identifyFace(image: $image, doorId: $doorId) { __typename } }`;
const VERIFY = `mutation ($input: VerifyFaceInput!) { verifyFace(input: $input) { __typename ... on MutationVerifyFaceSuccess { data { decision } } } }`;

describe.skipIf(!hasFaces('seed') || !hasFaces('celeba-dev'))(`history pages in Chromium (needs ${seed} and ${celeba})`, () => {
  let stack: Stack;
  let admin: Page;
  let dir: string;
  const ids: Record<string, string> = {};

  /** Both sizes of a page, and no sideways scrolling on the phone. */
  async function shots(page: Page, name: string) {
    await page.waitForLoadState('networkidle');
    await page.setViewportSize(DESKTOP);
    await shot(page, `history-${name}-desktop`);
    await page.setViewportSize(PHONE);
    expect(await overflowPx(page), `${name} scrolls sideways on a phone`).toBeLessThanOrEqual(0);
    await shot(page, `history-${name}-phone`);
    await page.setViewportSize(DESKTOP);
  }

  beforeAll(async () => {
    stack = await startStack();
    // The tests send photo files, not camera frames: liveness off, as the README says such a door sets it.
    await stack.app.services.updateSettings({ liveness: 'off' });
    dir = await mkdtemp(path.join(tmpdir(), 'facegate-history-e2e-'));
    const { app } = stack;
    const door = await app.services.access.doors.create('Lobby');
    ids.door = door.id;
    // The door is sent photo files, not camera frames: liveness off there (see the README).
    await app.services.policy.configureDoor(door.id, { settings: { liveness: 'off' } });
    const key = (await app.services.apiKeys.create({ name: 'lobby camera', scopes: ['verify', 'identify'], doorId: door.id })).token;
    for (const name of ['younes', 'bertrand']) {
      const person = await app.services.people.create({ name });
      ids[name] = person.id;
      await app.services.people.enroll(person.id, [
        { filename: `${name}.jpg`, bytes: new Uint8Array(await readFile(path.join(seed, `${name}.jpg`))) },
      ]);
    }
    const client = apiClient(app);
    // A stranger tries the door five times; younes comes in, bertrand claims to be younes.
    const tries = (await readdir(path.join(celeba, STRANGER)))
      .filter((f) => f.endsWith('.jpg'))
      .sort()
      .slice(0, 5);
    for (const f of tries) await client.upload(IDENTIFY, { image: null, doorId: door.id }, { image: path.join(celeba, STRANGER, f) }, key);
    for (const n of [0, 1])
      await client.upload(
        VERIFY,
        { input: { personId: ids.younes, doorId: door.id, image: null } },
        { 'input.image': path.join(seed, `camera_${n}.jpg`) },
        key,
      );
    const context = await stack.browser.newContext({ viewport: DESKTOP });
    admin = await signIn(context, stack.baseUrl, ADMIN);
  });
  afterAll(async () => {
    await stack?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('learns a group of faces refused at the door into a new person in one click, through enrolment', async () => {
    const people = await stack.app.db.prisma.person.count();
    await admin.goto(`${stack.baseUrl}/learn`);
    const group = admin.getByTestId('learn-group').first();
    // The page streams in after its loading state: wait for the group before counting (count() does not wait).
    await group.getByRole('img', { name: 'Face refused at the door' }).first().waitFor();
    await expect(group.getByRole('img', { name: 'Face refused at the door' }).count()).resolves.toBeGreaterThanOrEqual(3);
    // Nothing was enrolled by the attempts themselves.
    expect(await stack.app.db.prisma.person.count()).toBe(people);
    await shots(admin, 'learn');
    await group.getByLabel('These faces are').selectOption('new');
    await group.getByLabel('Name', { exact: true }).fill('Visitor 7203');
    await group.getByRole('button', { name: 'Add to the new person' }).click();
    await admin.getByTestId('learn-added').waitFor();
    await expect(admin.getByTestId('learn-added').textContent()).resolves.toMatch(/faces? added to Visitor 7203/);
    // The learned faces now match Visitor 7203: they leave the list of unknown faces.
    await expect(admin.getByTestId('learn-recognised').textContent()).resolves.toContain('Visitor 7203');
    const visitor = await stack.app.db.prisma.person.findFirst({
      where: { name: 'Visitor 7203' },
      include: { _count: { select: { samples: true } } },
    });
    expect(visitor?._count.samples).toBeGreaterThanOrEqual(1);
    ids.visitor = visitor!.id;
    await shots(admin, 'learn-added');
  });

  it('imports a zip person by person with progress and a per-photo report; refuses an unsafe one whole', async () => {
    await admin.goto(`${stack.baseUrl}/import`);
    await expect(admin.getByTestId('import-limits').textContent()).resolves.toMatch(
      /2,000 files.*200 MB of photos once decompressed.*10 MB per photo/,
    );
    const read = async (name: string) => new Uint8Array(await readFile(path.join(seed, name)));
    const zip = zipSync({
      'office/andrew/andrew.jpg': await read('andrew.jpg'),
      'office/arnaud/arnaud.jpg': await read('arnaud.jpg'),
      'office/arnaud/notes.jpg': new TextEncoder().encode('not a photo'),
    });
    await admin
      .getByLabel('Zip of <name>/*.jpg')
      .setInputFiles({ name: 'office.zip', mimeType: 'application/zip', buffer: Buffer.from(zip) });
    await admin.getByRole('button', { name: 'Import' }).click();
    await admin.getByTestId('import-summary').waitFor();
    await expect(admin.getByTestId('import-progress').textContent()).resolves.toContain('Done: 2 of 2 people, 3 of 3 photos');
    const report = admin.getByTestId('import-report');
    await expect(report.getByRole('row').count()).resolves.toBe(4);
    expect(await report.textContent()).toMatch(/notes\.jpg.*refused/);
    expect(await stack.app.db.prisma.person.count({ where: { name: { in: ['andrew', 'arnaud'] } } })).toBe(2);
    await shots(admin, 'import');

    // A name climbing out of the folder: refused before anything is sent.
    const before = await stack.app.db.prisma.person.count();
    const unsafe = zipSync({ 'kian/kian.jpg': await read('kian.jpg'), '../evil/x.jpg': await read('kian.jpg') });
    await admin
      .getByLabel('Zip of <name>/*.jpg')
      .setInputFiles({ name: 'evil.zip', mimeType: 'application/zip', buffer: Buffer.from(unsafe) });
    await admin.getByRole('button', { name: 'Import' }).click();
    await expect(admin.getByTestId('import-error').textContent()).resolves.toContain('UNSAFE_PATH');
    expect(await stack.app.db.prisma.person.count()).toBe(before);
  });

  it('imports a folder chosen with webkitdirectory', async () => {
    for (const name of ['kevin', 'kian']) {
      await mkdir(path.join(dir, 'staff', name), { recursive: true });
      await copyFile(path.join(seed, `${name}.jpg`), path.join(dir, 'staff', name, `${name}.jpg`));
    }
    await admin.goto(`${stack.baseUrl}/import`);
    await admin.getByLabel('a folder').check();
    await admin.getByLabel('Folder of <name>/*.jpg').setInputFiles(path.join(dir, 'staff'));
    await admin.getByRole('button', { name: 'Import' }).click();
    await admin.getByTestId('import-summary').waitFor();
    await expect(admin.getByTestId('import-summary').textContent()).resolves.toContain('2 of 2 photos enrolled');
    expect(await stack.app.db.prisma.person.count({ where: { name: { in: ['kevin', 'kian'] } } })).toBe(2);
  });

  it("shows a person's doors, groups, passes and history, each attempt opening its audit event", async () => {
    await admin.goto(`${stack.baseUrl}/people/${ids.younes}`);
    await expect(admin.getByTestId('person-access').textContent()).resolves.toContain('Lobby');
    const rows = admin.getByTestId('history-row');
    await expect(rows.count()).resolves.toBe(2);
    await shots(admin, 'person');
    await rows.first().getByRole('link').click();
    await admin.waitForURL(/\/audit\/[a-z0-9]+$/);
    const facts = admin.getByTestId('event-facts');
    await expect(facts.textContent()).resolves.toMatch(/Distance.*against a threshold of/);
    await expect(facts.getByRole('link', { name: 'younes' }).count()).resolves.toBeGreaterThanOrEqual(1);
    await expect(admin.getByTestId('event-face').count()).resolves.toBe(1);
    await shots(admin, 'audit-event');

    // The audit table's rows open the same page.
    await admin.goto(`${stack.baseUrl}/audit`);
    await admin.getByTestId('audit-row-link').first().click();
    await admin.waitForURL(/\/audit\/[a-z0-9]+$/);
    await admin.getByTestId('event-facts').waitFor();
  });

  it("lists administrators' actions for administrators only", async () => {
    await admin.goto(`${stack.baseUrl}/admin-log`);
    const log = admin.getByTestId('admin-log');
    await log.getByText('added faces from the doors').first().waitFor();
    await expect(log.getByText('added faces from the doors').count()).resolves.toBe(1);
    await expect(log.getByText('imported in bulk').count()).resolves.toBe(4);
    await expect(log.getByText(ADMIN.email).count()).resolves.toBe(5);
    await shots(admin, 'admin-log');

    const viewer = await signIn(await stack.browser.newContext({ viewport: DESKTOP }), stack.baseUrl, VIEWER);
    await viewer.goto(`${stack.baseUrl}/admin-log`);
    await viewer.getByText('Only administrators read this log.').waitFor();
    await expect(viewer.getByText('Only administrators read this log.').count()).resolves.toBe(1);
    await viewer.goto(`${stack.baseUrl}/learn`);
    await viewer.getByText('you can look, not add').waitFor();
    await expect(viewer.getByText('you can look, not add').count()).resolves.toBe(1);
    await expect(viewer.getByRole('button', { name: /^Add to/ }).count()).resolves.toBe(0);
    await viewer.context().close();
  });
});
