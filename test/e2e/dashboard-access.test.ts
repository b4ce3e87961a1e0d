import { mkdir } from 'node:fs/promises';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, DESKTOP, overflowPx, PHONE, SHOTS, shot, signIn } from './browser-support.ts';
import { ADMIN, startStack, VIEWER, type Stack } from './harness.ts';

// Issue 25, access, through the real UI: group members ticked several at a time (searchable, by
// keyboard, on a phone) and added or removed in one action; the "who may pass this door" page, now and
// at a chosen time, naming what lets each person in and why the others are refused, as the door decides.
describe('group members in bulk and "who may pass" in Chromium', () => {
  let stack: Stack;
  let desktop: BrowserContext;
  let phone: BrowserContext;
  let page: Page;
  const ids: Record<string, string> = {};
  let lab: string;
  let staff: string;

  async function accessible(p: Page, where: string) {
    const violations = await axeViolations(p);
    expect(violations.map((v) => `${where}: ${v.id} (${v.impact}) ${v.help} ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual(
      [],
    );
  }
  const members = async () =>
    (await stack.app.db.prisma.groupMember.findMany({ where: { groupId: staff }, include: { person: true } }))
      .map((m) => m.person.name)
      .sort();
  const listed = async (p: Page, list: 'may-pass' | 'may-not-pass') =>
    Object.fromEntries(
      (await p.getByTestId(list).locator(':scope > li').allTextContents()).map((text) => [text.slice(0, text.indexOf(':')), text]),
    );

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    stack = await startStack();
    const { people, policy, access } = stack.app.services;
    for (const name of ['anna', 'andre', 'dana', 'bob', 'zoe']) ids[name] = (await people.create({ name })).id;
    await people.update(ids.zoe!, { active: false });
    lab = (await access.doors.create('Lab')).id;
    await policy.configureDoor(lab, { access: 'groups', timeZone: 'Europe/Paris' });
    const hours = await policy.schedules.save(null, {
      name: 'Office hours',
      windows: [{ days: [1, 2, 3, 4, 5], from: '08:00', to: '19:00' }],
    });
    staff = (await policy.groups.create('Staff')).id;
    await policy.groups.allowAtDoor(staff, lab, hours.id);
    const guards = (await policy.groups.create('Guards')).id;
    await policy.groups.allowAtDoor(guards, lab, null);
    await policy.groups.addMembers(guards, [ids.bob!]);
    desktop = await stack.browser.newContext({ viewport: DESKTOP, timezoneId: 'Europe/Paris' });
    phone = await stack.browser.newContext({ viewport: PHONE, timezoneId: 'Europe/Paris', isMobile: true, hasTouch: true });
    page = await signIn(desktop, stack.baseUrl, ADMIN);
  }, 240_000);
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail' && page && !page.isClosed()) {
      await shot(page, `failed-access-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
      console.error(stack.dashboardOutput().slice(-3000));
    }
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('adds several people to a group in one action, found by name and ticked by keyboard, and removes several', async () => {
    await page.goto(`${stack.baseUrl}/access`);
    const group = page.getByLabel('Group Staff', { exact: true });
    const add = group.getByRole('form', { name: 'Add members to Staff' });
    await add.getByRole('searchbox').fill('an');
    // anna, andre and dana match; bob and zoe are hidden.
    expect(await add.getByRole('checkbox').evaluateAll((boxes) => boxes.filter((b) => b.checkVisibility()).length)).toBe(3);
    // Keyboard only: Tab from the search box to "Tick all shown", Enter; then zoe, found and ticked with Space.
    await add.getByRole('searchbox').press('Tab');
    await page.keyboard.press('Enter');
    await add.getByTestId('ticked-count').filter({ hasText: '3 ticked' }).waitFor();
    await add.getByRole('searchbox').fill('zo');
    await add.getByRole('checkbox', { name: /zoe/ }).focus();
    await page.keyboard.press('Space');
    await add.getByTestId('ticked-count').filter({ hasText: '4 ticked' }).waitFor();
    // Enter in the search box filters, and sends nothing.
    await add.getByRole('searchbox').press('Enter');
    await add.getByRole('button', { name: 'Add 4 people to Staff' }).press('Enter');
    await group.locator('.alert.ok', { hasText: 'Added 4 people to “Staff”.' }).waitFor();
    expect(await members()).toEqual(['andre', 'anna', 'dana', 'zoe']);
    // One mutation: one admin-log line per person added.
    expect(await stack.app.db.prisma.adminAction.count({ where: { action: 'addGroupMembers' } })).toBe(4);
    // The picker is unticked, and offers only those not yet in the group.
    const remaining = group.getByRole('form', { name: 'Add members to Staff' });
    expect(await remaining.locator('label').allTextContents()).toEqual(['bob']);

    const remove = group.getByRole('form', { name: 'Remove members from Staff' });
    await remove.getByRole('checkbox', { name: /dana/ }).check();
    await remove.getByRole('checkbox', { name: /zoe/ }).check();
    await remove.getByRole('button', { name: 'Remove 2 people from Staff' }).click();
    await group.locator('.alert.ok', { hasText: 'Removed 2 people from “Staff”.' }).waitFor();
    expect(await members()).toEqual(['andre', 'anna']);
    // Nothing ticked: said so, nothing changed.
    await group.getByRole('button', { name: 'Add 0 people to Staff' }).click();
    await group.locator('.alert.error', { hasText: 'Tick at least one person.' }).waitFor();
    expect(await members()).toEqual(['andre', 'anna']);
    await accessible(page, '/access (group members)');
    await shot(page, '60-desktop-access-group-members');
  });

  it('on a phone, people are found and ticked with a finger, and the page does not scroll sideways', async () => {
    const p = await signIn(phone, stack.baseUrl, ADMIN);
    await p.goto(`${stack.baseUrl}/access`);
    const group = p.getByLabel('Group Staff', { exact: true });
    const add = group.getByRole('form', { name: 'Add members to Staff' });
    await add.getByRole('searchbox').fill('bo');
    await add.getByRole('checkbox', { name: /bob/ }).tap();
    await add.getByRole('button', { name: 'Add 1 person to Staff' }).tap();
    await group.locator('.alert.ok', { hasText: 'Added 1 person to “Staff”.' }).waitFor();
    expect(await members()).toEqual(['andre', 'anna', 'bob']);
    expect(await overflowPx(p), '/access scrolls sideways on a phone').toBeLessThanOrEqual(0);
    await accessible(p, '/access (phone)');
    await shot(p, '61-phone-access-group-members');
    await p.close();
  });

  it("lists who may pass the door now and at a chosen time, with each one's rule or reason, as the door decides", async () => {
    await page.goto(`${stack.baseUrl}/access`);
    await page.getByRole('form', { name: 'Rules of Lab' }).getByRole('link', { name: 'Who may pass Lab now' }).click();
    await page.waitForURL(`${stack.baseUrl}/access/doors/${lab}`);
    await page.getByRole('heading', { name: 'Who may pass Lab' }).waitFor();
    expect(await page.getByTestId('who-when').textContent()).toMatch(
      /^Now, .* at the door, Europe\/Paris\)\. This door lets in only the groups/,
    );
    // Whatever the hour: bob's group may pass at any time; zoe is inactive, dana in no group allowed here.
    expect((await listed(page, 'may-pass')).bob).toContain('member of Guards, at any time');
    const refusedNow = await listed(page, 'may-not-pass');
    expect(refusedNow.zoe).toBe('zoe: the person is inactive.');
    expect(refusedNow.dana).toBe('dana: no group of theirs is allowed at this door (or, for a visitor, no pass names it).');
    await accessible(page, '/access/doors/[id] (now)');

    // Saturday 13:00 in Paris (the viewer's zone, as the door's): the staff's schedule is closed until Monday 08:00.
    await page.getByLabel(/^At/).fill('2026-12-05T13:00');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/at=2026-12-05T12%3A00|at=2026-12-05T12:00/);
    await page.getByTestId('who-when').filter({ hasText: 'Sat 5 Dec, 13:00 at the door, Europe/Paris' }).waitFor();
    expect(Object.keys(await listed(page, 'may-pass'))).toEqual(['bob']);
    const saturday = await listed(page, 'may-not-pass');
    expect(Object.keys(saturday).sort()).toEqual(['andre', 'anna', 'dana', 'zoe']);
    expect(saturday.anna).toContain('anna: outside the schedules that let them in here.');
    expect(saturday.anna).toContain('group Staff, schedule “Office hours”: closed at that time');
    expect(saturday.anna).toContain('Next time they may pass: 2026-12-07 08:00');
    expect(saturday.anna).toContain('Mon 7 Dec, 08:00 at the door, Europe/Paris');
    await shot(page, '62-desktop-who-may-pass-saturday');

    // Monday 09:00: the staff may pass, within their schedule.
    await page.getByLabel(/^At/).fill('2026-12-07T09:00');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByTestId('who-when').filter({ hasText: 'Mon 7 Dec, 09:00 at the door' }).waitFor();
    const monday = await listed(page, 'may-pass');
    expect(monday.anna).toBe('anna: member of Staff, within the schedule “Office hours”, open then');
    expect(Object.keys(monday)).toEqual(['andre', 'anna', 'bob']);

    // What the page lists is what the door's policy decides, person by person, at both times.
    for (const [at, allowed] of [
      ['2026-12-05T12:00:00Z', ['bob']],
      ['2026-12-07T08:00:00Z', ['andre', 'anna', 'bob']],
    ] as const) {
      for (const [name, id] of Object.entries(ids))
        expect((await stack.app.services.policy.check(id, lab, new Date(at))).allowed, `${name} at ${at}`).toBe(
          (allowed as readonly string[]).includes(name),
        );
    }
    await accessible(page, '/access/doors/[id] (Monday)');
    await shot(page, '63-desktop-who-may-pass-monday');

    const p = await phone.newPage();
    await p.goto(`${stack.baseUrl}/access/doors/${lab}?at=2026-12-05T12:00`);
    await p.getByTestId('may-not-pass').waitFor();
    expect(await overflowPx(p), 'who may pass scrolls sideways on a phone').toBeLessThanOrEqual(0);
    await accessible(p, '/access/doors/[id] (phone)');
    await shot(p, '64-phone-who-may-pass');
    await p.close();
  });

  it('a viewer reads who may pass, and sees the members without the pickers', async () => {
    const context = await stack.browser.newContext({ viewport: DESKTOP, timezoneId: 'Europe/Paris' });
    const p = await signIn(context, stack.baseUrl, VIEWER);
    await p.goto(`${stack.baseUrl}/access`);
    const group = p.getByLabel('Group Staff', { exact: true });
    await group.getByText('Members: andre, anna, bob').waitFor();
    expect(await group.getByRole('checkbox').count()).toBe(0);
    await p.goto(`${stack.baseUrl}/access/doors/${lab}?at=2026-12-07T08:00`);
    expect(Object.keys(await listed(p, 'may-pass'))).toEqual(['andre', 'anna', 'bob']);
    await accessible(p, '/access/doors/[id] (viewer)');
    await context.close();
  });
});
