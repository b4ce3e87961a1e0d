import { z } from 'zod';

/**
 * Weekly schedules read in a door's time zone. Pure: the time and the zone come in, a boolean goes out.
 * A window is [from, to) in local wall-clock time; `to` may be "24:00". A window whose `to` is earlier
 * than its `from` runs past midnight into the next day (a night shift).
 */

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'a time is HH:MM, 00:00 to 24:00');

export const scheduleWindowSchema = z.object({
  /** ISO weekdays, 1 = Monday ... 7 = Sunday. */
  days: z
    .array(z.number().int().min(1, 'weekdays are 1 (Monday) to 7 (Sunday)').max(7, 'weekdays are 1 (Monday) to 7 (Sunday)'))
    .min(1, 'a window needs at least one weekday')
    .max(7),
  from: clock,
  to: clock,
});
export type ScheduleWindow = z.infer<typeof scheduleWindowSchema>;

export const scheduleExceptionSchema = z.object({
  /** A local date in the door's zone (a public holiday, a closing day, a special opening). */
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date is YYYY-MM-DD'),
  /** That day's windows instead of the weekly ones (days are ignored); [] = closed all day. */
  windows: z
    .array(scheduleWindowSchema.omit({ days: true }))
    .max(24)
    .default([]),
});
export type ScheduleException = z.infer<typeof scheduleExceptionSchema>;

export const windowsSchema = z.array(scheduleWindowSchema).max(50, 'at most 50 windows');
export const exceptionsSchema = z.array(scheduleExceptionSchema).max(1000, 'at most 1000 exceptions');

/** Whether `zone` is an IANA time zone this runtime knows (e.g. "Europe/Paris", "UTC"). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

interface LocalTime {
  /** YYYY-MM-DD */
  readonly date: string;
  /** 1 = Monday ... 7 = Sunday */
  readonly weekday: number;
  /** Minutes since local midnight. */
  readonly minutes: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** The wall-clock date, weekday and time at `instant` in `zone`. */
export function localTime(instant: Date, zone: string): LocalTime {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
    })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    weekday: WEEKDAYS[parts.weekday!]!,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The day before a local date, as YYYY-MM-DD with its weekday. */
function previousDay(local: LocalTime): { date: string; weekday: number } {
  const d = new Date(`${local.date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return { date: d.toISOString().slice(0, 10), weekday: local.weekday === 1 ? 7 : local.weekday - 1 };
}

/** The windows in force on a local date: the exception's if there is one, else the weekday's. */
function windowsOn(date: string, weekday: number, windows: readonly ScheduleWindow[], exceptions: readonly ScheduleException[]) {
  const exception = exceptions.find((e) => e.date === date);
  return exception ? exception.windows : windows.filter((w) => w.days.includes(weekday));
}

/** Whether the schedule is open at `instant` in the door's `zone`. */
export function isOpenAt(
  schedule: { windows: readonly ScheduleWindow[]; exceptions: readonly ScheduleException[] },
  zone: string,
  instant: Date,
): boolean {
  const now = localTime(instant, zone);
  for (const w of windowsOn(now.date, now.weekday, schedule.windows, schedule.exceptions)) {
    const from = minutesOf(w.from);
    const to = minutesOf(w.to);
    if (from <= to ? now.minutes >= from && now.minutes < to : now.minutes >= from) return true;
  }
  // Yesterday's windows that run past midnight.
  const yesterday = previousDay(now);
  for (const w of windowsOn(yesterday.date, yesterday.weekday, schedule.windows, schedule.exceptions)) {
    if (minutesOf(w.to) < minutesOf(w.from) && now.minutes < minutesOf(w.to)) return true;
  }
  return false;
}

/** The instant a local wall-clock time (`date` YYYY-MM-DD, minutes since midnight) has in `zone`. */
function wallClockInstant(date: string, minutes: number, zone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wanted = Date.UTC(y, m - 1, d, 0, minutes);
  // The zone's offset at a guess, then at the corrected instant (a DST change between the two).
  let at = wanted;
  for (let i = 0; i < 2; i++) {
    const local = localTime(new Date(at), zone);
    const [ly, lm, ld] = local.date.split('-').map(Number) as [number, number, number];
    at += wanted - (Date.UTC(ly, lm - 1, ld) + local.minutes * 60_000);
  }
  return new Date(at);
}

/**
 * The first instant after `instant`, within `days`, at which the schedule opens in `zone` (a window
 * starts, on a day whose exception does not close it), or null. Said beside a refusal "outside the
 * schedule": when the person may pass next.
 */
export function nextOpening(
  schedule: { windows: readonly ScheduleWindow[]; exceptions: readonly ScheduleException[] },
  zone: string,
  instant: Date,
  days = 62,
): Date | null {
  const start = localTime(instant, zone);
  for (let i = 0; i <= days; i++) {
    const day = new Date(`${start.date}T12:00:00Z`);
    day.setUTCDate(day.getUTCDate() + i);
    const date = day.toISOString().slice(0, 10);
    const weekday = ((start.weekday - 1 + i) % 7) + 1;
    const starts = windowsOn(date, weekday, schedule.windows, schedule.exceptions)
      .map((w) => minutesOf(w.from))
      .sort((a, b) => a - b);
    for (const minutes of starts) {
      const at = wallClockInstant(date, minutes, zone);
      // A start skipped by a DST change, or inside a window already open, is not an opening.
      if (at > instant && isOpenAt(schedule, zone, at)) return at;
    }
  }
  return null;
}

/** The exception (special day) in force on the local date of `instant` in `zone`, if any. */
export function exceptionAt(schedule: { exceptions: readonly ScheduleException[] }, zone: string, instant: Date): ScheduleException | null {
  const { date } = localTime(instant, zone);
  return schedule.exceptions.find((e) => e.date === date) ?? null;
}
