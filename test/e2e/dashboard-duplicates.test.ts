import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { zipSync } from 'fflate';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces } from '@facegate/face-core';
import { axeViolations, DESKTOP, overflowPx, PHONE, SHOTS, shot, signIn } from './browser-support.ts';
import { ADMIN, startStack, type Stack } from './harness.ts';

// Issue 25, item 2 through the real UI: a face enrolled under another name offers "Add these photos to
// <them>" and a confirmed "Enrol anyway"; a refused enrolment leaves no person (nor "created then
// erased" in the admin log); a person enrolled twice is merged from their page; a bulk import's
// override is asked person by person.
const faces = facesDir();
const seed = (name: string) => path.join(faces, 'seed', name);
const groupPhoto = path.join(faces, 'groups', 'images', '2008_001009.jpg');
const SERIOUS = new Set(['serious', 'critical']);

describe.skipIf(!hasFaces('seed'))(`duplicates resolved in Chromium (needs ${faces}/seed)`, () => {
  let stack: Stack;
  let desktop: BrowserContext;
  let page: Page;
  let dir: string;
  let mirrored: Buffer;

  async function accessible(p: Page, where: string) {
    const violations = (await axeViolations(p)).filter((v) => SERIOUS.has(v.impact ?? ''));
    expect(violations.map((v) => `${where}: ${v.id} ${v.help} ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  }
  async function enroll(name: string, files: string[]) {
    await page.goto(`${stack.baseUrl}/enroll`);
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.locator('input[type=file][name=photos]').setInputFiles(files);
    await page.getByRole('button', { name: 'Enroll' }).click();
  }
  const person = (name: string) => stack.app.db.prisma.person.findFirst({ where: { name } });

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    dir = await mkdtemp(path.join(tmpdir(), 'facegate-e2e-duplicates-'));
    stack = await startStack();
    await stack.app.services.updateSettings({ liveness: 'off' });
    desktop = await stack.browser.newContext({ viewport: DESKTOP });
    page = await signIn(desktop, stack.baseUrl, ADMIN);
    // younes.jpg mirrored: the encoder takes it for younes (not the same photo: not "already enrolled").
    mirrored = await sharp(seed('younes.jpg')).flop().jpeg({ quality: 95 }).toBuffer();
    await sharp(mirrored).toFile(path.join(dir, 'younes-mirrored.jpg'));
  }, 900_000);
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail' && page && !page.isClosed()) {
      await shot(page, `failed-duplicates-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
      console.error(stack.dashboardOutput().slice(-3000));
    }
  });
  afterAll(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('offers to add the photo to the person it matched, asks before "Enrol anyway", and leaves no person behind', async () => {
    await enroll('younes', [seed('younes.jpg')]);
    await page.locator('.alert.ok', { hasText: 'younes is enrolled with 1 face sample.' }).waitFor();
    await enroll('Y. Twin', [path.join(dir, 'younes-mirrored.jpg')]);
    const warning = page.locator('[data-warning=duplicate-faces]');
    await warning.waitFor();
    expect(await page.getByText('Y. Twin was not enrolled: the face is already enrolled under another name.').count()).toBe(1);
    // Nobody was created, and the admin log says nothing of it (no "created", then "erased").
    expect(await person('Y. Twin')).toBeNull();
    expect(await stack.app.db.prisma.adminAction.count({ where: { action: { in: ['createPerson', 'deletePerson'] } } })).toBe(0);

    // "Enrol anyway…" asks first; Cancel goes back.
    await warning.getByRole('button', { name: 'Enrol anyway…' }).click();
    const dialog = warning.getByRole('alertdialog');
    expect(await dialog.textContent()).toContain('Is Y. Twin a different person from younes?');
    await accessible(page, 'enrol: override confirmation');
    await shot(page, '60-desktop-duplicates-confirm-override');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await warning.getByRole('alertdialog').count()).toBe(0);

    await warning.getByRole('button', { name: 'Add this photo to younes' }).click();
    await page.getByTestId('added-to').filter({ hasText: '1 photo added to younes, who now has 2 face samples.' }).waitFor();
    expect(await page.getByTestId('enroll-photo').getAttribute('data-enrolled')).toBe('true');
    expect(await page.locator('[data-warning=duplicate-faces]').count()).toBe(0);
    const younes = (await person('younes'))!;
    expect(await stack.app.db.prisma.faceSample.count({ where: { personId: younes.id } })).toBe(2);
    expect(await person('Y. Twin')).toBeNull();
  });

  it('merges a person enrolled twice from the page of the one kept, after a confirmation', async () => {
    // Enrolled twice: the override confirmed, with another photo of younes (a colour change is another photo).
    const copy = path.join(dir, 'younes-grey.jpg');
    await sharp(seed('younes.jpg')).grayscale().jpeg({ quality: 90 }).toFile(copy);
    await enroll('Younes Again', [copy]);
    const warning = page.locator('[data-warning=duplicate-faces]');
    await warning.waitFor();
    await warning.getByRole('button', { name: 'Enrol anyway…' }).click();
    await warning.getByRole('button', { name: 'Enrol anyway: they are different people' }).click();
    await page.locator('.alert.ok', { hasText: 'Younes Again is enrolled with 1 face sample.' }).waitFor();
    const again = (await person('Younes Again'))!;
    const younes = (await person('younes'))!;

    await page.goto(`${stack.baseUrl}/people/${younes.id}`);
    const section = page.locator('section', { has: page.getByRole('heading', { name: 'Merge a duplicate' }) });
    await section.getByLabel('The other record').selectOption({ label: 'Younes Again' });
    await section.getByRole('button', { name: 'Merge into younes…' }).click();
    expect(await section.getByRole('alertdialog').textContent()).toContain('Merge Younes Again into younes?');
    await accessible(page, 'person page: merge confirmation');
    await shot(page, '60-desktop-duplicates-merge-confirm');
    await section.getByRole('button', { name: 'Yes, merge Younes Again into younes' }).click();
    await section
      .getByText('Merged: 1 face sample, 0 visitor passes, 0 groups, 0 audit events moved; the other record is erased.')
      .waitFor();
    expect(await stack.app.db.prisma.person.findUnique({ where: { id: again.id } })).toBeNull();
    expect(await stack.app.db.prisma.faceSample.count({ where: { personId: younes.id } })).toBe(3);
    const line = await stack.app.db.prisma.adminAction.findFirstOrThrow({ where: { action: 'mergePeople' } });
    expect(line).toMatchObject({ personId: younes.id, targetLabel: 'younes' });
  });

  it('asks the override of a bulk import person by person', async () => {
    const zip = zipSync({
      'Twin/a.jpg': new Uint8Array(mirrored),
      'Other/b.jpg': new Uint8Array(await sharp(mirrored).resize({ width: 500 }).jpeg({ quality: 80 }).toBuffer()),
    });
    const phone = await stack.browser.newContext({ viewport: PHONE });
    // The phone first: it only looks (the desktop then overrides).
    for (const p of [await signIn(phone, stack.baseUrl, ADMIN), page]) {
      await p.goto(`${stack.baseUrl}/import`);
      // No override for the whole import any more.
      expect(await p.getByText('enrol faces that match someone else').count()).toBe(0);
      await p
        .locator('input[type=file][name=archive]')
        .setInputFiles({ name: 'twins.zip', mimeType: 'application/zip', buffer: Buffer.from(zip) });
      await p.getByRole('button', { name: 'Import' }).click();
      const panel = p.getByTestId('import-duplicates');
      await panel.waitFor();
      expect(await panel.locator('li').evaluateAll((all) => all.map((li) => li.getAttribute('data-person')).sort())).toEqual([
        'Other',
        'Twin',
      ]);
      if (p !== page) {
        expect(await overflowPx(p), 'the import report scrolls sideways on a phone').toBeLessThanOrEqual(0);
        await accessible(p, 'import duplicates (phone)');
        await shot(p, '61-phone-duplicates-import');
        continue;
      }
      await panel.getByRole('button', { name: "Enrol Twin's photo anyway…" }).click();
      expect(await panel.getByRole('alertdialog').textContent()).toContain('Is Twin a different person from younes?');
      await accessible(p, 'import duplicates');
      await panel.getByRole('button', { name: "Yes, enrol Twin's photo" }).click();
      // Twin's row turns enrolled, and the panel (hidden while sending) comes back with Other alone.
      await p.getByTestId('import-report').locator('tr', { hasText: 'Twin/a.jpg' }).locator('.badge.ACCEPTED').waitFor();
      await panel.locator('li[data-person=Other]').waitFor();
      // Twin alone was enrolled; Other is still refused and still offered.
      expect(await panel.locator('li').evaluateAll((all) => all.map((li) => li.getAttribute('data-person')))).toEqual(['Other']);
      const outcomes = await p
        .getByTestId('import-report')
        .locator('tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.textContent ?? ''));
      expect(outcomes.find((t) => t.startsWith('Twin'))).toMatch(/enrolled \(new person\)/);
      expect(outcomes.find((t) => t.startsWith('Other'))).toContain('refused');
      expect(await person('Twin')).not.toBeNull();
      expect(await person('Other')).toBeNull();
      await shot(p, '60-desktop-duplicates-import');
    }
    await phone.close();
  });

  // Issue 25, item 7: a photo of several people says how many faces were found, and a face may be chosen.
  it.skipIf(!hasFaces('groups'))('says how many faces a group photo has and enrols the face the administrator chooses', async () => {
    const phone = await stack.browser.newContext({ viewport: PHONE });
    const onPhone = await signIn(phone, stack.baseUrl, ADMIN);
    for (const [p, name] of [
      [onPhone, 'Group left'],
      [page, 'Group right'],
    ] as const) {
      await p.goto(`${stack.baseUrl}/enroll`);
      await p.getByLabel('Name', { exact: true }).fill(name);
      await p.locator('input[type=file][name=photos]').setInputFiles(groupPhoto);
      await p.getByRole('button', { name: 'Enroll' }).click();
      const card = p.getByTestId('enroll-photo');
      await card.getByTestId('choose-face').waitFor();
      expect(await card.textContent()).toContain('2 faces were found in this photo (very small faces may be missed)');
      const choose = card.getByRole('group', { name: 'Choose the face to enrol in 2008_001009.jpg' });
      expect(await choose.getByRole('button').allTextContents()).toEqual(['Enrol face 1', 'Enrol face 2']);
      if (p === onPhone) {
        expect(await overflowPx(p), 'the face choice scrolls sideways on a phone').toBeLessThanOrEqual(0);
        await accessible(p, 'enrol: choose the face (phone)');
        await shot(p, '61-phone-enroll-choose-face');
      }
      await choose.getByRole('button', { name: p === onPhone ? 'Enrol face 1' : 'Enrol face 2' }).click();
      await p.locator('.alert.ok', { hasText: `${name} is enrolled with 1 face sample.` }).waitFor();
      // The photo shows the face enrolled among the others.
      expect(await card.locator('[data-testid=face-box][data-used=true]').count()).toBe(1);
      expect(await card.getByTestId('face-box').count()).toBeGreaterThanOrEqual(2);
    }
    await shot(page, '60-desktop-enroll-chose-face');
    // Two people, each with the face chosen: different faces (far apart in the encoder's space).
    const [left, right] = await Promise.all(
      ['Group left', 'Group right'].map(async (n) => stack.app.db.prisma.faceSample.findFirstOrThrow({ where: { person: { name: n } } })),
    );
    expect(left!.photoFaces).not.toBe(right!.photoFaces);
    await phone.close();
  });
});
