import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces } from '@facegate/face-core';
import { apiClient } from '../integration/api-client.ts';
import { axeViolations, DESKTOP, overflowPx, PHONE, SHOTS, shot, signIn } from './browser-support.ts';
import { ADMIN, startStack, type Stack } from './harness.ts';

// Issue 25, item 8: whether a viewer sees face images follows faces:read, set per account by an
// administrator on the Settings page; a viewer without it sees a neutral tile saying so, never a broken
// image, on every page with faces; the change is in the administrators' log.
const faces = facesDir();
const seed = (name: string) => path.join(faces, 'seed', name);
const NEW_VIEWER = { email: 'reception@facegate.test', password: 'reception desk 2026' };
const ENROLL_PERSON = `mutation ($input: PersonInput!, $images: [File!]!) { enrollPerson(input: $input, images: $images) { __typename ... on MutationEnrollPersonSuccess { data { person { id } } } } }`;
const IDENTIFY = `mutation ($image: File) { identifyFace(image: $image) { __typename ... on MutationIdentifyFaceSuccess { data { event { id } } } } }`;

/** Images on the page that did not load (a broken image shows as an empty frame with its alt text). */
const brokenImages = (p: Page) =>
  p.evaluate(() =>
    Array.from(document.images)
      .filter((img) => !img.complete || img.naturalWidth === 0)
      .map((img) => img.alt || img.src),
  );

describe.skipIf(!hasFaces('seed'))(`viewers' face images follow faces:read in Chromium (needs ${faces}/seed)`, () => {
  let stack: Stack;
  let admin: Page;
  let viewerContext: BrowserContext;
  let phoneContext: BrowserContext;
  let viewer: Page;
  let younes: string;
  let eventId: string;

  async function accessible(p: Page, where: string) {
    const violations = await axeViolations(p);
    expect(violations.map((v) => `${where}: ${v.id} ${v.help} ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  }

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    stack = await startStack();
    await stack.app.services.updateSettings({ liveness: 'off' });
    const client = apiClient(stack.app);
    const token = await client.login(ADMIN.email, ADMIN.password);
    const enrolled = await client.upload(
      ENROLL_PERSON,
      { input: { name: 'younes' }, images: [null] },
      { 'images.0': seed('younes.jpg') },
      token,
    );
    younes = enrolled.body.data!.enrollPerson.data.person.id;
    const attempt = await client.upload(IDENTIFY, { image: null }, { image: seed('camera_0.jpg') }, token);
    eventId = attempt.body.data!.identifyFace.data.event.id;
    admin = await signIn(await stack.browser.newContext({ viewport: DESKTOP }), stack.baseUrl, ADMIN);
  }, 900_000);
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') {
      for (const [name, p] of [
        ['admin', admin],
        ['viewer', viewer],
      ] as const)
        if (p && !p.isClosed()) await shot(p, `failed-viewer-faces-${name}`).catch(() => undefined);
      console.error(stack.dashboardOutput().slice(-3000));
    }
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('an administrator adds a viewer on the Settings page: face images are hidden until allowed', async () => {
    await admin.goto(`${stack.baseUrl}/settings`);
    await admin.getByLabel('Email', { exact: true }).fill(NEW_VIEWER.email);
    await admin.getByLabel(/^Password/).fill(NEW_VIEWER.password);
    await admin.getByLabel(/^Your password/).fill(ADMIN.password);
    await admin.getByLabel('Role', { exact: true }).selectOption('VIEWER');
    expect(await admin.getByLabel('A viewer sees face images').isChecked()).toBe(false);
    await admin.getByRole('button', { name: 'Add account' }).click();
    await admin.getByText(`${NEW_VIEWER.email} can now sign in as a viewer, face images hidden.`).waitFor();
    const row = admin.getByRole('row').filter({ hasText: NEW_VIEWER.email });
    expect(await row.getByTestId('faces-read').textContent()).toBe('hidden');
    expect(await admin.getByRole('row').filter({ hasText: ADMIN.email }).getByText('always shown').count()).toBe(1);
    await accessible(admin, 'settings');
    await shot(admin, '70-settings-viewer-faces');
  });

  it('a viewer without face images sees a tile saying so on every page with faces, never a broken image', async () => {
    viewerContext = await stack.browser.newContext({ viewport: DESKTOP });
    viewer = await signIn(viewerContext, stack.baseUrl, NEW_VIEWER);
    for (const [url, tiles] of [
      ['/people', 1],
      [`/people/${younes}`, 2], // the sample's face, and its history's attempt
      ['/audit', 1],
      [`/audit/${eventId}`, 1],
    ] as const) {
      await viewer.goto(`${stack.baseUrl}${url}`);
      await viewer.getByTestId('faces-hidden').first().waitFor();
      expect(await viewer.getByTestId('faces-hidden').count(), url).toBeGreaterThanOrEqual(tiles);
      expect(await viewer.getByRole('img', { name: 'Face images are hidden for this account' }).count(), url).toBeGreaterThanOrEqual(tiles);
      expect(await viewer.locator('img[src^="data:image"]').count(), url).toBe(0);
      expect(await brokenImages(viewer), url).toEqual([]);
      await accessible(viewer, url);
    }
    await viewer.goto(`${stack.baseUrl}/people/${younes}`);
    await viewer.getByText('Face images are hidden for this account: only where its faces were.').waitFor();
    await viewer.getByTestId('faces-hidden-note').waitFor();
    await shot(viewer, '71-viewer-faces-hidden-person');
    await viewer.goto(`${stack.baseUrl}/learn`);
    expect(await viewer.getByTestId('faces-hidden-note').textContent()).toContain('Face images are hidden for this account');

    // The phone width is kept.
    phoneContext = await stack.browser.newContext({ viewport: PHONE });
    const phone = await signIn(phoneContext, stack.baseUrl, NEW_VIEWER);
    for (const url of [`/people/${younes}`, '/audit']) {
      await phone.goto(`${stack.baseUrl}${url}`);
      await phone.getByTestId('faces-hidden').first().waitFor();
      expect(await overflowPx(phone), url).toBeLessThanOrEqual(0);
    }
    await shot(phone, '72-phone-viewer-faces-hidden-audit');
  });

  it('the administrator shows face images to the viewer: they see the faces at once, and the log says who changed what', async () => {
    await admin.goto(`${stack.baseUrl}/settings`);
    await admin.getByRole('button', { name: `Show face images to ${NEW_VIEWER.email}` }).click();
    await admin.getByText(`${NEW_VIEWER.email} now sees face images.`).waitFor();
    await admin.getByRole('button', { name: `Hide face images from ${NEW_VIEWER.email}` }).waitFor();

    await viewer.goto(`${stack.baseUrl}/people/${younes}`);
    await viewer.getByRole('img', { name: /Aligned face of younes/ }).waitFor();
    expect(await viewer.getByTestId('faces-hidden').count()).toBe(0);
    expect(await viewer.locator('img[src^="data:image"]').count()).toBeGreaterThanOrEqual(3);
    expect(await brokenImages(viewer)).toEqual([]);

    await admin.goto(`${stack.baseUrl}/admin-log?action=setViewerFacesRead`);
    const line = admin.getByTestId('admin-log-row').first();
    await line.waitFor();
    const text = (await line.textContent())!;
    expect(text).toContain(ADMIN.email);
    expect(text).toContain('changed whether face images are shown to');
    expect(text).toContain(NEW_VIEWER.email);
    expect(text).toContain('face images hidden → shown');
    await accessible(admin, 'admin-log');
  });
});
