import { describe, expect, it } from 'vitest';
import { formatDays, formatSpecialDays, formatWeekly, parseSpecialDays, parseWeekly } from './schedule-text';

describe('schedule lines', () => {
  it('reads weekly hours: ranges, lists, every day, past midnight', () => {
    const parsed = parseWeekly('Mon-Fri 08:00-19:00\nSat,Sun 09:00-12:00; every day 22:00-06:00');
    expect(parsed).toEqual({
      ok: true,
      value: [
        { days: [1, 2, 3, 4, 5], from: '08:00', to: '19:00' },
        { days: [6, 7], from: '09:00', to: '12:00' },
        { days: [1, 2, 3, 4, 5, 6, 7], from: '22:00', to: '06:00' },
      ],
    });
    expect(parseWeekly('Fri-Mon 10:00-11:00')).toEqual({ ok: true, value: [{ days: [1, 5, 6, 7], from: '10:00', to: '11:00' }] });
  });
  it('refuses what it cannot read, saying which line', () => {
    expect(parseWeekly('Mon-Fri 8-19')).toEqual({ ok: false, error: '“Mon-Fri 8-19” is not like “Mon-Fri 08:00-19:00”.' });
    expect(parseWeekly('Someday 08:00-09:00').ok).toBe(false);
    expect(parseWeekly('Mon 25:00-26:00').ok).toBe(false);
    expect(parseWeekly('  ').ok).toBe(false);
    expect(parseSpecialDays('2026-13-45').ok).toBe(false);
    expect(parseSpecialDays('2026-12-24 8am').ok).toBe(false);
  });
  it('reads special days: closed, or their own hours (several per date)', () => {
    expect(parseSpecialDays('2026-12-25, 2027-01-01\n2026-12-24 08:00-12:00\n2026-12-24 14:00-16:00')).toEqual({
      ok: true,
      value: [
        { date: '2026-12-25', windows: [] },
        { date: '2027-01-01', windows: [] },
        {
          date: '2026-12-24',
          windows: [
            { from: '08:00', to: '12:00' },
            { from: '14:00', to: '16:00' },
          ],
        },
      ],
    });
    expect(parseSpecialDays('')).toEqual({ ok: true, value: [] });
  });
  it('writes back what it reads', () => {
    expect(formatDays([1, 2, 3, 4, 5])).toBe('Mon-Fri');
    expect(formatDays([1, 3, 6, 7])).toBe('Mon,Wed,Sat,Sun');
    expect(formatDays([7, 1, 2, 3, 4, 5, 6])).toBe('every day');
    const weekly = 'Mon-Fri 08:00-19:00\nSat,Sun 09:00-12:00';
    const parsed = parseWeekly(weekly);
    expect(parsed.ok && formatWeekly(parsed.value)).toBe(weekly);
    const special = '2026-12-25\n2026-12-24 08:00-12:00';
    const days = parseSpecialDays(special);
    expect(days.ok && formatSpecialDays(days.value)).toBe(special);
  });
});
