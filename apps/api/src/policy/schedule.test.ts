import { describe, expect, it } from 'vitest';
import { hashPin, verifyPin } from './pin.ts';
import { exceptionAt, isOpenAt, isTimeZone, localTime, nextOpening, windowsSchema } from './schedule.ts';

const office = { windows: [{ days: [1, 2, 3, 4, 5], from: '08:00', to: '19:00' }], exceptions: [{ date: '2026-12-25', windows: [] }] };

describe('schedules in the door’s time zone', () => {
  it('reads wall-clock time in the zone, across daylight saving', () => {
    expect(localTime(new Date('2026-07-01T06:30:00Z'), 'Europe/Paris')).toEqual({ date: '2026-07-01', weekday: 3, minutes: 8 * 60 + 30 });
    expect(localTime(new Date('2026-12-01T06:30:00Z'), 'Europe/Paris')).toEqual({ date: '2026-12-01', weekday: 2, minutes: 7 * 60 + 30 });
    // 06:30 UTC is 08:30 in Paris in summer (open) and 07:30 in winter (closed).
    expect(isOpenAt(office, 'Europe/Paris', new Date('2026-07-01T06:30:00Z'))).toBe(true);
    expect(isOpenAt(office, 'Europe/Paris', new Date('2026-12-01T06:30:00Z'))).toBe(false);
  });

  it('closes at the end of a window, at weekends and on exception days', () => {
    expect(isOpenAt(office, 'America/New_York', new Date('2026-12-01T23:59:00Z'))).toBe(true); // Tue 18:59
    expect(isOpenAt(office, 'America/New_York', new Date('2026-12-02T00:00:00Z'))).toBe(false); // Tue 19:00
    expect(isOpenAt(office, 'UTC', new Date('2026-12-05T10:00:00Z'))).toBe(false); // Saturday
    expect(isOpenAt(office, 'UTC', new Date('2026-12-25T10:00:00Z'))).toBe(false); // Christmas, a Friday
    const halfDay = { ...office, exceptions: [{ date: '2026-12-24', windows: [{ from: '08:00', to: '12:00' }] }] };
    expect(isOpenAt(halfDay, 'UTC', new Date('2026-12-24T11:00:00Z'))).toBe(true);
    expect(isOpenAt(halfDay, 'UTC', new Date('2026-12-24T13:00:00Z'))).toBe(false);
  });

  it('runs a night window past midnight into the next day', () => {
    const night = { windows: [{ days: [5], from: '22:00', to: '06:00' }], exceptions: [] };
    expect(isOpenAt(night, 'UTC', new Date('2026-12-04T23:00:00Z'))).toBe(true); // Friday 23:00
    expect(isOpenAt(night, 'UTC', new Date('2026-12-05T05:59:00Z'))).toBe(true); // Saturday 05:59
    expect(isOpenAt(night, 'UTC', new Date('2026-12-05T06:00:00Z'))).toBe(false);
    expect(isOpenAt(night, 'UTC', new Date('2026-12-04T05:00:00Z'))).toBe(false); // Friday early: Thursday had no window
  });

  it('says when the schedule opens next: after the weekend, after a closed special day, across daylight saving', () => {
    // Saturday 5 December 2026, 10:00 in Paris: next Monday 08:00 Paris (07:00 UTC).
    expect(nextOpening(office, 'Europe/Paris', new Date('2026-12-05T09:00:00Z'))?.toISOString()).toBe('2026-12-07T07:00:00.000Z');
    // Tuesday 20:30 in Paris: Wednesday 08:00.
    expect(nextOpening(office, 'Europe/Paris', new Date('2026-12-01T19:30:00Z'))?.toISOString()).toBe('2026-12-02T07:00:00.000Z');
    // Christmas (a Friday, closed): Monday 28th.
    expect(nextOpening(office, 'UTC', new Date('2026-12-25T10:00:00Z'))?.toISOString()).toBe('2026-12-28T08:00:00.000Z');
    expect(exceptionAt(office, 'UTC', new Date('2026-12-25T10:00:00Z'))).toEqual({ date: '2026-12-25', windows: [] });
    expect(exceptionAt(office, 'UTC', new Date('2026-12-26T10:00:00Z'))).toBeNull();
    // Saturday 28 March 2026 in Paris; the clocks go forward on Sunday: Monday 08:00 is 06:00 UTC.
    expect(nextOpening(office, 'Europe/Paris', new Date('2026-03-28T12:00:00Z'))?.toISOString()).toBe('2026-03-30T06:00:00.000Z');
    // Before today's window: today's start.
    expect(nextOpening(office, 'UTC', new Date('2026-12-01T06:00:00Z'))?.toISOString()).toBe('2026-12-01T08:00:00.000Z');
    // A schedule that never opens.
    expect(nextOpening({ windows: [], exceptions: [] }, 'UTC', new Date('2026-12-01T06:00:00Z'))).toBeNull();
  });

  it('refuses malformed windows and unknown zones', () => {
    expect(windowsSchema.safeParse([{ days: [0], from: '08:00', to: '19:00' }]).success).toBe(false);
    expect(windowsSchema.safeParse([{ days: [1], from: '8:00', to: '19:00' }]).success).toBe(false);
    expect(windowsSchema.safeParse([{ days: [1], from: '00:00', to: '24:00' }]).success).toBe(true);
    expect(isTimeZone('Europe/Paris')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});

describe('PINs', () => {
  it('refuses guessable PINs and stores an argon2id hash that verifies only the PIN', async () => {
    for (const pin of ['123', '0000', '1234', '9876', '7890', '12a4', '1234567890123'])
      await expect(hashPin(pin)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    const hash = await hashPin('4826');
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(hash).not.toContain('4826');
    expect(await verifyPin(hash, '4826')).toBe(true);
    expect(await verifyPin(hash, '4827')).toBe(false);
  });
});
