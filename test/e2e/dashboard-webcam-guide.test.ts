import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces } from '@facegate/face-core';
import { axeViolations, DESKTOP, overflowPx, PHONE, SHOTS, shot, signIn, y4mFromPhoto } from './browser-support.ts';
import { ADMIN, launchChromium, startStack, type Stack } from './harness.ts';

// Issue 25, item 9: the webcam preview at enrolment has a face oval, guidance in words from a face
// detector running in the browser (no face, several faces, too dark, come closer, hold still), and
// takes the best frame on its own once the checks pass for a moment (announced to screen readers),
// the manual button still there; without a camera, uploading still works. Chromium's fake camera shows
// videos made at test time (in a temp folder) from photos in the shared faces folder.
const faces = facesDir();
const deepface = path.join(faces, 'deepface');
const groupPhoto = path.join(faces, 'groups', 'images', '2008_001322.jpg'); // three people (groups/boxes.tsv)

describe.skipIf(!hasFaces('deepface') || !hasFaces('groups'))(`webcam guidance and auto-capture in Chromium (needs ${deepface})`, () => {
  let stack: Stack;
  let videos: string;
  const cameras: Browser[] = [];
  let last: Page | null = null;

  /** A Chromium whose webcam shows this picture (a photo file, or one made here), signed in on the enrolment page. */
  async function withCamera(name: string, picture: string | Buffer, viewport: { width: number; height: number } = DESKTOP): Promise<Page> {
    const still = typeof picture === 'string' ? picture : path.join(videos, `${name}.png`);
    if (typeof picture !== 'string') await writeFile(still, picture);
    const video = path.join(videos, `${name}.y4m`);
    await writeFile(video, await y4mFromPhoto(still));
    const browser = await launchChromium([
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`,
    ]);
    cameras.push(browser);
    const page = await signIn(await browser.newContext({ viewport }), stack.baseUrl, ADMIN);
    last = page;
    await page.goto(`${stack.baseUrl}/enroll`);
    await page.getByRole('button', { name: 'Use webcam' }).click();
    await page.getByTestId('webcam-oval').waitFor({ timeout: 90_000 });
    return page;
  }

  /** The guidance shown, once it says what `code` names (the detector needs a few frames). */
  async function guidance(page: Page, code: string): Promise<string> {
    const text = page.locator(`[data-testid="webcam-guidance"][data-code="${code}"]`);
    await text.waitFor({ timeout: 90_000 });
    return (await text.textContent())!;
  }

  async function accessible(page: Page, where: string) {
    const violations = await axeViolations(page);
    expect(violations.map((v) => `${where}: ${v.id} ${v.help} ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  }

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    videos = await mkdtemp(path.join(tmpdir(), 'facegate-webcam-guide-'));
    stack = await startStack();
  }, 900_000);
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail' && last && !last.isClosed()) {
      await shot(last, `failed-webcam-guide-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
      console.error(stack.dashboardOutput().slice(-3000));
    }
    for (const browser of cameras.splice(0)) await browser.close().catch(() => undefined);
  });
  afterAll(async () => {
    await stack?.stop();
    await rm(videos, { recursive: true, force: true });
  });

  it('takes the photo on its own once a face is steady in the oval, says so to screen readers, and enrols it', async () => {
    // The face filling a good part of the frame, as at a desk: the photo's upper part, where the face is.
    const portrait = await sharp(path.join(deepface, 'person_01', 'img1.jpg'))
      .rotate()
      .extract({ left: 0, top: 150, width: 1382, height: 1040 })
      .jpeg()
      .toBuffer();
    const page = await withCamera('steady-face', portrait);
    expect(await page.getByRole('button', { name: 'Take photo' }).count()).toBe(1);
    const announcement = page.getByTestId('webcam-announcement');
    await announcement.filter({ hasText: 'Photo taken automatically' }).waitFor({ timeout: 90_000 });
    expect(await announcement.getAttribute('role')).toBe('status');
    await page
      .getByRole('list', { name: 'Chosen photos' })
      .getByText(/^webcam-auto-.*\.jpg$/)
      .waitFor();
    // Once taken, it does not go on taking photos; the manual button is still there.
    await page.waitForTimeout(2_000);
    expect(await page.getByRole('list', { name: 'Chosen photos' }).getByRole('listitem').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Take photo' }).count()).toBe(1);
    await shot(page, '73-webcam-auto-captured');
    await accessible(page, 'enrol with the camera open');
    await page.setViewportSize(PHONE);
    expect(await overflowPx(page), 'the enrolment page with the camera open scrolls sideways on a phone').toBeLessThanOrEqual(0);
    await shot(page, '74-phone-webcam-guide');
    await page.setViewportSize(DESKTOP);

    await page.getByLabel('Name', { exact: true }).fill('auto captured');
    await page.getByRole('button', { name: 'Enroll' }).click();
    await page.locator('.alert.ok', { hasText: 'auto captured is enrolled with 1 face sample.' }).waitFor({ timeout: 90_000 });
  }, 300_000);

  it('says when there are several faces', async () => {
    const several = await withCamera('group', groupPhoto);
    expect(await guidance(several, 'several_faces')).toBe('Several faces: only the person being enrolled should be in view.');
    await shot(several, '75-webcam-several-faces');
    expect(await several.getByRole('list', { name: 'Chosen photos' }).count()).toBe(0);
  }, 300_000);

  it('says when it is too dark', async () => {
    const dark = await withCamera(
      'dark',
      await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 12, g: 12, b: 14 } } })
        .png()
        .toBuffer(),
    );
    expect(await guidance(dark, 'too_dark')).toBe('Too dark: turn on a light or face a window.');
  }, 300_000);

  it('says to come closer when the face is far, and takes no photo', async () => {
    // A face far from the camera: the whole portrait small in the middle of a wide frame.
    const small = await sharp(path.join(deepface, 'person_01', 'img1.jpg'))
      .rotate()
      .resize({ height: 600 })
      .toBuffer();
    const far = await withCamera(
      'far',
      await sharp({ create: { width: 1600, height: 1200, channels: 3, background: { r: 128, g: 128, b: 128 } } })
        .composite([{ input: small, gravity: 'centre' }])
        .png()
        .toBuffer(),
    );
    expect(await guidance(far, 'come_closer')).toBe('Come closer: your face should fill the oval.');
    await shot(far, '76-webcam-come-closer');
    await far.waitForTimeout(3_000);
    expect(await far.getByRole('list', { name: 'Chosen photos' }).count()).toBe(0);
  }, 300_000);

  it('without a camera, says so and uploading still works', async () => {
    // The stack's own Chromium has no camera at all.
    const page = await signIn(await stack.browser.newContext({ viewport: DESKTOP }), stack.baseUrl, ADMIN);
    last = page;
    await page.goto(`${stack.baseUrl}/enroll`);
    await page.getByRole('button', { name: 'Use webcam' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /camera could not be started|camera was not allowed/ })
      .waitFor();
    expect(await page.getByTestId('webcam-oval').count()).toBe(0);
    await page.getByLabel('Name', { exact: true }).fill('uploaded person');
    await page.locator('input[type=file][name=photos]').setInputFiles(path.join(deepface, 'person_02', 'img3.jpg'));
    await page.getByRole('button', { name: 'Enroll' }).click();
    await page.locator('.alert.ok', { hasText: 'uploaded person is enrolled with 1 face sample.' }).waitFor({ timeout: 90_000 });
    await page.context().close();
  }, 300_000);
});
