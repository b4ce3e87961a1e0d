import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { zipSync } from 'fflate';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces, readLivenessOperatingPoints } from '@facegate/face-core';
import { axeViolations, DESKTOP, overflowPx, PHONE, SHOTS, shot, signIn } from './browser-support.ts';
import { ADMIN, startStack, VIEWER, type Stack } from './harness.ts';

// Issue 25 ("Dashboard 3") through the real UI: liveness refusals explained (score against the door's
// points, advice) and marked live; the same photo never stored twice (person page, bulk import);
// "second factor needed" saying which rule asked and what happens without a PIN; access checks that keep
// their form and name the schedule and the next time; a policy refusal not shown under a green gauge.
const faces = facesDir();
const pad = (file: string) => path.join(faces, 'pad-dev', file);
const deepface = (person: string, file: string) => path.join(faces, 'deepface', person, file);
const SERIOUS = new Set(['serious', 'critical']);

describe.skipIf(!hasFaces('pad-dev') || !hasFaces('deepface'))(
  `refusals explained in Chromium (needs ${faces}/pad-dev and /deepface)`,
  () => {
    let stack: Stack;
    let desktop: BrowserContext;
    let phone: BrowserContext;
    let page: Page;
    const ids: Record<string, string> = {};
    const points = readLivenessOperatingPoints().points.balanced;

    /** No serious or critical axe-core violation, and (on the phone) no sideways scrolling. */
    async function accessible(p: Page, where: string) {
      const violations = (await axeViolations(p)).filter((v) => SERIOUS.has(v.impact ?? ''));
      expect(violations.map((v) => `${where}: ${v.id} ${v.help} ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    }
    /** A page of the phone context, signed in once (the session cookie serves every later page). */
    let phoneSignedIn = false;
    async function phonePage(): Promise<Page> {
      if (!phoneSignedIn) {
        phoneSignedIn = true;
        return signIn(phone, stack.baseUrl, ADMIN);
      }
      const p = await phone.newPage();
      p.setDefaultTimeout(30_000);
      return p;
    }
    async function onPhone(url: string, ready: (p: Page) => Promise<unknown>, name: string) {
      const p = await phonePage();
      await p.goto(url);
      await ready(p);
      expect(await overflowPx(p), `${name} scrolls sideways on a phone`).toBeLessThanOrEqual(0);
      await accessible(p, `${name} (phone)`);
      await shot(p, `51-phone-${name}`);
      await p.close();
    }

    beforeAll(async () => {
      await mkdir(SHOTS, { recursive: true });
      // The server's time zone for the door created below: Paris (a new door takes the server's zone).
      process.env.TZ = 'Europe/Paris';
      stack = await startStack();
      // Liveness stays on (BALANCED, the default): these tests are about its refusals.
      const people = stack.app.services.people;
      for (const [name, file] of [
        ['msu001', 'live/msu001_01.jpg'],
        ['nuaa0001', 'live/nuaa0001_01.jpg'],
      ] as const) {
        const person = await people.create({ name });
        ids[name] = person.id;
        expect(
          (await people.enroll(person.id, [{ filename: 'live.jpg', bytes: new Uint8Array(await readFile(pad(file))) }])).enrolled,
        ).toHaveLength(1);
      }
      await stack.app.services.policy.pins.set(ids.msu001!, '4826');
      desktop = await stack.browser.newContext({ viewport: DESKTOP, timezoneId: 'Europe/Paris' });
      phone = await stack.browser.newContext({ viewport: PHONE, timezoneId: 'Europe/Paris', isMobile: true, hasTouch: true });
      page = await signIn(desktop, stack.baseUrl, ADMIN);
    }, 240_000);
    afterEach(async (context) => {
      if (context.task.result?.state === 'fail' && page && !page.isClosed()) {
        await shot(page, `failed-refusals-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
        console.error(stack.dashboardOutput().slice(-3000));
      }
    });
    afterAll(async () => {
      await stack?.stop();
    });

    it("creates a door in the server's time zone", async () => {
      await page.goto(`${stack.baseUrl}/settings`);
      await page.getByLabel('New door').fill('Lab');
      await page.getByRole('button', { name: 'Add door' }).click();
      await page.locator('.alert.ok', { hasText: 'Door “Lab” added.' }).waitFor();
      const door = await stack.app.db.prisma.door.findFirstOrThrow({ where: { name: 'Lab' } });
      ids.lab = door.id;
      expect(door.timeZone).toBe('Europe/Paris');
      await page.goto(`${stack.baseUrl}/access`);
      expect(await page.getByRole('form', { name: 'Rules of Lab' }).getByLabel('Time zone').inputValue()).toBe('Europe/Paris');
    });

    it('explains a refused print: its liveness score against the door’s points, advice, and no face result', async () => {
      await page.goto(`${stack.baseUrl}/identify`);
      await page.getByLabel(/^Door/).selectOption({ label: 'Lab' });
      await page.locator('input[type=file][name=photo]').setInputFiles(pad('spoof/nuaa0001_18.jpg'));
      await page.getByRole('button', { name: 'Identify' }).click();
      const result = page.getByTestId('result');
      await result.getByTestId('decision').filter({ hasText: 'Refused' }).waitFor();
      const liveness = result.getByTestId('liveness');
      expect(await liveness.getAttribute('data-verdict')).toBe('attack');
      expect(await liveness.getByTestId('liveness-score').textContent()).toMatch(
        new RegExp(
          `Liveness score 0\\.0\\d\\d \\(1 = live\\) is under this door's attack point ${points.attack.toFixed(3).replace('.', '\\.')}; a face is taken as live from ${points.live.toFixed(3).replace('.', '\\.')}`,
        ),
      );
      const advice = await liveness.getByTestId('liveness-advice').getByRole('listitem').allTextContents();
      expect(advice.join(' ')).toMatch(/light.*glare.*distance/s);
      // Not a face result: no gauge, no "Distance —", and nobody said to be missing from the register.
      expect(await result.getByTestId('result-summary').textContent()).toContain(
        'Not compared with anyone: a presentation attack is refused before any face comparison.',
      );
      expect(await result.getByRole('img', { name: /distance/i }).count()).toBe(0);
      const text = (await result.textContent())!;
      expect(text).not.toContain('Distance —');
      expect(text).not.toContain('Nobody is enrolled');
      expect(await result.getByTestId('no-candidates').textContent()).toContain('Not compared with anyone');
      await accessible(page, '/identify (attack)');
      await shot(page, '50-desktop-identify-attack-explained');

      // "This was a live person": the door's calibration reads it, and the admin log says who.
      const attempt = await stack.app.db.prisma.recognitionEvent.findFirstOrThrow({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
      await liveness.getByRole('button', { name: 'This was a live person' }).click();
      await liveness.getByTestId('marked-live').waitFor();
      expect(await stack.app.db.prisma.livenessLabel.count({ where: { eventId: attempt.id } })).toBe(1);
      expect(await stack.app.db.prisma.adminAction.count({ where: { action: 'markAttemptLive', targetId: ids.lab } })).toBe(1);
      await page.goto(`${stack.baseUrl}/access`);
      expect(await page.getByRole('form', { name: 'Rules of Lab' }).locator('[data-calibration=liveness]').textContent()).toContain(
        '1 live attempt (1 refused, then marked live by an administrator) with a score in 30 days',
      );
      // The audit event says it too, with the door's points.
      await page.goto(`${stack.baseUrl}/audit/${attempt.id}`);
      expect(await page.getByTestId('event-liveness').textContent()).toMatch(
        /0\.0\d\d \(1 = live\) against this door's points now: attack under 0\.\d{3}, live from 0\.\d{3}/,
      );
      await page.getByTestId('marked-live').waitFor();
      await onPhone(`${stack.baseUrl}/audit/${attempt.id}`, (p) => p.getByTestId('marked-live').waitFor(), 'audit-event-marked-live');
    });

    it('a liveness step-up of someone with no PIN says so instead of asking for one', async () => {
      await page.goto(`${stack.baseUrl}/verify`);
      await page.getByLabel('Person', { exact: true }).selectOption({ label: 'nuaa0001' });
      await page.getByLabel(/^Door/).selectOption({ label: 'Lab' });
      // nuaa0001's own live frames score in the uncertain band at the shipped points (docs/liveness.md).
      await page.locator('input[type=file][name=photo]').setInputFiles(pad('live/nuaa0001_05.jpg'));
      await page.getByRole('button', { name: 'Verify' }).click();
      const result = page.getByTestId('result');
      await result.getByTestId('decision').filter({ hasText: 'Door stays shut: a PIN would be needed, and there is none' }).waitFor();
      const stepUp = result.getByTestId('step-up');
      expect(await stepUp.getAttribute('data-no-pin')).toBe('true');
      expect(await stepUp.textContent()).toMatch(
        /Rule: liveness\. The face matches, but its liveness score 0\.\d{3} is under this door's live point 0\.\d{3}/,
      );
      expect(await stepUp.textContent()).toContain('nuaa0001 has no PIN, so no PIN is asked: the door stays shut.');
      expect(await result.getByTestId('result-summary').textContent()).toMatch(
        /The face matches \(distance 0\.\d{3}, under the threshold 0\.\d{3}\); a second factor is asked for another reason, below\./,
      );
      expect(await result.getByTestId('liveness').getAttribute('data-verdict')).toBe('uncertain');
      await accessible(page, '/verify (liveness step-up, no PIN)');
      await shot(page, '50-desktop-verify-step-up-no-pin');
    });

    it('a door that always asks for the PIN says so, and what happens without it', async () => {
      await stack.app.services.configureDoor(ids.lab!, { settings: { requirePin: true } });
      await page.goto(`${stack.baseUrl}/verify`);
      await page.getByLabel('Person', { exact: true }).selectOption({ label: 'msu001' });
      await page.getByLabel(/^Door/).selectOption({ label: 'Lab' });
      await page.locator('input[type=file][name=photo]').setInputFiles(pad('live/msu001_01.jpg'));
      await page.getByRole('button', { name: 'Verify' }).click();
      const result = page.getByTestId('result');
      await result.getByTestId('decision').filter({ hasText: 'Second factor needed' }).waitFor();
      const stepUp = (await result.getByTestId('step-up').textContent())!;
      expect(stepUp).toContain('Rule: this door always asks for the PIN');
      expect(stepUp).toContain(
        "A door now asks for msu001's PIN (3 tries, within 60 s). Without the PIN the door stays shut, and the attempt is refused once the 60 s are over.",
      );
      await stack.app.services.configureDoor(ids.lab!, { settings: { requirePin: false } });
    });

    it('names the other person to an administrator when two are too close to call', async () => {
      const people = stack.app.services.people;
      const twin = await people.create({ name: 'msu001 twin' }, { confirmDuplicateName: true });
      // The same photo under another name (an administrator's override): the two are as close as can be.
      expect(
        (
          await people.enroll(twin.id, [{ filename: 'twin.jpg', bytes: new Uint8Array(await readFile(pad('live/msu001_01.jpg'))) }], {
            allowDuplicates: true,
          })
        ).enrolled,
      ).toHaveLength(1);
      await page.goto(`${stack.baseUrl}/verify`);
      await page.getByLabel('Person', { exact: true }).selectOption({ label: 'msu001' });
      await page.locator('input[type=file][name=photo]').setInputFiles(pad('live/msu001_01.jpg'));
      await page.getByRole('button', { name: 'Verify' }).click();
      const result = page.getByTestId('result');
      const warning = result.locator('[data-warning=ambiguous]');
      await warning.waitFor();
      expect(await result.getByTestId('decision').textContent()).not.toContain('Accepted');
      expect(await warning.textContent()).toMatch(
        /msu001 twin is as close to this face \(distance 0\.\d{3}\) as the person claimed \(0\.\d{3}\)/,
      );
      expect(await warning.getByRole('link', { name: 'msu001 twin' }).getAttribute('href')).toBe(`/people/${twin.id}`);
      await people.delete(twin.id);
    });

    it('a refusal by the access rules is said as such, not under a green gauge', async () => {
      await stack.app.services.configureDoor(ids.lab!, { access: 'groups' });
      await page.goto(`${stack.baseUrl}/verify`);
      await page.getByLabel('Person', { exact: true }).selectOption({ label: 'msu001' });
      await page.getByLabel(/^Door/).selectOption({ label: 'Lab' });
      await page.locator('input[type=file][name=photo]').setInputFiles(pad('live/msu001_01.jpg'));
      await page.getByRole('button', { name: 'Verify' }).click();
      const result = page.getByTestId('result');
      await result.getByTestId('decision').filter({ hasText: 'Refused by the access rules' }).waitFor();
      expect(await result.getByTestId('result-summary').textContent()).toMatch(
        /The face matches \(distance 0\.\d{3}, under the threshold 0\.\d{3}\), but the access rules keep the door shut: /,
      );
      // The face comparison is folded away: no green gauge in sight.
      expect(await result.getByRole('img', { name: /distance/i }).isVisible()).toBe(false);
      await accessible(page, '/verify (policy refusal)');
      await shot(page, '50-desktop-verify-policy-refusal');
      await stack.app.services.configureDoor(ids.lab!, { access: 'everyone' });
    });

    it('"Check who may pass" keeps its form, names the schedule and the next time they may pass', async () => {
      const policy = stack.app.services.policy;
      const hours = await policy.schedules.save(null, {
        name: 'Office hours',
        windows: [{ days: [1, 2, 3, 4, 5], from: '08:00', to: '19:00' }],
        exceptions: [{ date: '2026-12-25', windows: [] }],
      });
      const staff = await policy.groups.create('Staff');
      await policy.groups.addMembers(staff.id, [ids.msu001!]);
      await policy.groups.allowAtDoor(staff.id, ids.lab!, hours.id);
      await stack.app.services.configureDoor(ids.lab!, { access: 'groups' });
      await page.goto(`${stack.baseUrl}/access`);
      const check = page.getByRole('form', { name: 'Check access' });
      const ask = async (when: string) => {
        const answer = check.getByTestId('access-verdict').locator('p');
        const before = (await answer.count()) > 0 ? await answer.getAttribute('data-at') : null;
        await check.getByLabel(/^When/).fill(when);
        await check.getByRole('button', { name: 'Check' }).click();
        await page.waitForFunction((b) => {
          const p = document.querySelector('[data-testid=access-verdict] p');
          return !!p && p.getAttribute('data-at') !== b;
        }, before);
        return check.getByTestId('access-verdict');
      };
      await check.getByLabel('Person').selectOption({ label: 'msu001' });
      await check.getByLabel('Door').selectOption({ label: 'Lab' });
      // Saturday 5 December 2026, 10:00 in Paris.
      let verdict = await ask('2026-12-05T10:00');
      expect(await verdict.locator('p').textContent()).toMatch(/^Refused then: outside the schedules/);
      expect(await verdict.getByTestId('access-schedules').textContent()).toBe('group Staff, schedule “Office hours”: closed at that time');
      expect(await verdict.getByTestId('access-next').textContent()).toMatch(
        /^Next time they may pass: .* \(Mon 7 Dec, 08:00 at the door, Europe\/Paris\)\.$/,
      );
      // The form kept what was asked.
      expect(await check.getByLabel('Person').inputValue()).toBe(ids.msu001);
      expect(await check.getByLabel('Door').inputValue()).toBe(ids.lab);
      expect(await check.getByLabel(/^When/).inputValue()).toBe('2026-12-05T10:00');
      // Christmas, a closed special day: named, and the next opening is the Monday after.
      verdict = await ask('2026-12-25T10:00');
      expect(await verdict.getByTestId('access-schedules').textContent()).toBe(
        'group Staff, schedule “Office hours”: 2026-12-25 is one of its special days, closed at that time',
      );
      expect(await verdict.getByTestId('access-next').textContent()).toContain('(Mon 28 Dec, 08:00 at the door, Europe/Paris)');
      // A weekday evening: the next morning.
      verdict = await ask('2026-12-01T20:30');
      expect(await verdict.getByTestId('access-next').textContent()).toContain('(Wed 2 Dec, 08:00 at the door, Europe/Paris)');
      verdict = await ask('2026-12-01T10:00');
      expect(await verdict.locator('p').textContent()).toBe('Let in then, if the face matches.');
      expect(await verdict.getByTestId('access-next').count()).toBe(0);
      await accessible(page, '/access (check)');
      await shot(page, '50-desktop-access-check');
      await stack.app.services.configureDoor(ids.lab!, { access: 'everyone' });
    });

    it('the same photo is never stored twice: the person page and a zip imported twice say "already enrolled"', async () => {
      const ann = await stack.app.services.people.create({ name: 'Ann' });
      await page.goto(`${stack.baseUrl}/people/${ann.id}`);
      const add = async () => {
        await page.locator('input[type=file][name=photos]').setInputFiles(deepface('person_01', 'img1.jpg'));
        await page.getByRole('button', { name: /^Add photo/ }).click();
      };
      await add();
      await page.locator('.alert', { hasText: '1 of 1 photo added.' }).waitFor();
      await add();
      await page.locator('.alert', { hasText: '0 of 1 photo added. 1 photo was already enrolled and not stored again.' }).waitFor();
      expect(await stack.app.db.prisma.faceSample.count({ where: { personId: ann.id } })).toBe(1);

      const zip = zipSync({
        'team/Cleo/a.jpg': new Uint8Array(await readFile(deepface('person_03', 'img48.jpg'))),
        'team/Cleo/b.jpg': new Uint8Array(await readFile(deepface('person_03', 'img49.jpg'))),
        'team/Dan/a.jpg': new Uint8Array(await readFile(deepface('person_04', 'img13.jpg'))),
      });
      const upload = { name: 'team.zip', mimeType: 'application/zip', buffer: Buffer.from(zip) };
      const importZip = async () => {
        await page.goto(`${stack.baseUrl}/import`);
        await page.locator('input[type=file][name=archive]').setInputFiles(upload);
        await page.getByRole('button', { name: 'Import' }).click();
        return (await page.getByTestId('import-summary').textContent())!;
      };
      expect(await importZip()).toBe('3 of 3 photos enrolled, 0 not.');
      const samples = await stack.app.db.prisma.faceSample.count();
      expect(await importZip()).toBe('0 of 3 photos enrolled, 3 already enrolled (not stored again), 0 not.');
      const report = page.getByTestId('import-report');
      expect(await report.getByText('already enrolled', { exact: true }).count()).toBe(3);
      // Words, not the API's codes.
      expect(await report.textContent()).not.toMatch(/ALREADY_ENROLLED|DUPLICATE_FACE/);
      expect(await stack.app.db.prisma.faceSample.count()).toBe(samples);
      await accessible(page, '/import (twice)');
      await shot(page, '50-desktop-import-twice');
    });

    it('a viewer sees no administrators’ page in the navigation and no "Enroll a person"; step-ups are counted and spelt one way', async () => {
      const context = await stack.browser.newContext({ viewport: DESKTOP });
      const viewer = await signIn(context, stack.baseUrl, VIEWER);
      const links = await viewer.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();
      // Account is the viewer's own (password, second factor), not an administrators' page.
      expect(links).toEqual(['Overview', 'People', 'Audit log', 'Learn faces', 'Access', 'Settings', 'Account']);
      await viewer.goto(`${stack.baseUrl}/people`);
      await viewer.getByRole('heading', { name: 'People', level: 1 }).waitFor();
      expect(await viewer.getByRole('link', { name: 'Enroll a person' }).count()).toBe(0);
      await context.close();
      const adminLinks = await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();
      expect(adminLinks).toContain('Enroll');
      await page.goto(`${stack.baseUrl}/people`);
      await page.getByRole('heading', { name: 'People', level: 1 }).waitFor();
      expect(await page.getByRole('link', { name: 'Enroll a person' }).count()).toBe(1);

      // The 30-day chart has the step-ups of the tests above; the audit log writes "step-up".
      await page.goto(`${stack.baseUrl}/overview`);
      expect(await page.locator('.legend').first().textContent()).toContain('asked for a second factor');
      await page.goto(`${stack.baseUrl}/audit`);
      const badges = await page.locator('table .badge').allTextContents();
      expect(badges).toContain('step-up');
      expect(badges).not.toContain('step_up');
    });

    it('keeps the phone widths on the pages changed', async () => {
      await onPhone(`${stack.baseUrl}/access`, (p) => p.getByRole('form', { name: 'Check access' }).waitFor(), 'access');
      const p = await phonePage();
      await p.goto(`${stack.baseUrl}/identify`);
      await p.getByLabel(/^Door/).selectOption({ label: 'Lab' });
      await p.locator('input[type=file][name=photo]').setInputFiles(pad('spoof/nuaa0001_18.jpg'));
      await p.getByRole('button', { name: 'Identify' }).click();
      await p.getByTestId('liveness').waitFor();
      expect(await overflowPx(p)).toBeLessThanOrEqual(0);
      await accessible(p, '/identify (attack, phone)');
      await shot(p, '51-phone-identify-attack-explained');
    });
  },
);
