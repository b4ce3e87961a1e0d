// Schedules as short lines an administrator can type and read back:
//   weekly hours   "Mon-Fri 08:00-19:00", "Sat 09:00-12:00", "Mon,Wed 07:30-09:00", "every day 00:00-24:00"
//   special days   "2026-12-25" (closed all day), "2026-12-24 08:00-12:00" (those hours only)
// Pure functions: the server action parses, the page formats, the unit tests check both ways.

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const LABELS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const TIME = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

export type WeeklyWindow = { days: number[]; from: string; to: string };
export type DayWindow = { from: string; to: string };
export type SpecialDay = { date: string; windows: DayWindow[] };
type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const lines = (text: string) =>
  text
    .split(/[\n;]+/)
    .map((l) => l.trim())
    .filter(Boolean);

/** "08:00-19:00" to a window; a window ending before it starts runs past midnight (the API's rule). */
function parseRange(text: string): DayWindow | null {
  const m = /^(\d{2}:\d{2})\s*[-–]\s*(\d{2}:\d{2})$/.exec(text.trim());
  if (!m || !TIME.test(m[1]!) || !TIME.test(m[2]!)) return null;
  return { from: m[1]!, to: m[2]! };
}

/** "Mon-Fri", "Sat,Sun", "every day" to ISO weekdays (1 = Monday). */
function parseDays(text: string): number[] | null {
  const t = text.trim().toLowerCase();
  if (t === 'every day' || t === 'daily') return [1, 2, 3, 4, 5, 6, 7];
  const days = new Set<number>();
  for (const part of t.split(/\s*,\s*/)) {
    const range = /^([a-z]{3})[a-z]*\s*[-–]\s*([a-z]{3})[a-z]*$/.exec(part);
    if (range) {
      const a = DAY_NAMES.indexOf(range[1] as (typeof DAY_NAMES)[number]);
      const b = DAY_NAMES.indexOf(range[2] as (typeof DAY_NAMES)[number]);
      if (a < 0 || b < 0) return null;
      // Fri-Mon wraps over the weekend.
      for (let i = a; ; i = (i + 1) % 7) {
        days.add(i + 1);
        if (i === b) break;
      }
      continue;
    }
    const single = /^([a-z]{3})[a-z]*$/.exec(part);
    const i = single ? DAY_NAMES.indexOf(single[1] as (typeof DAY_NAMES)[number]) : -1;
    if (i < 0) return null;
    days.add(i + 1);
  }
  return days.size > 0 ? [...days].sort((x, y) => x - y) : null;
}

export function parseWeekly(text: string): Parsed<WeeklyWindow[]> {
  const windows: WeeklyWindow[] = [];
  for (const line of lines(text)) {
    const m = /^(.*?)\s+(\d{2}:\d{2}\s*[-–]\s*\d{2}:\d{2})$/.exec(line);
    const days = m ? parseDays(m[1]!) : null;
    const range = m ? parseRange(m[2]!) : null;
    if (!days || !range) return { ok: false, error: `“${line}” is not like “Mon-Fri 08:00-19:00”.` };
    windows.push({ days, ...range });
  }
  return windows.length > 0
    ? { ok: true, value: windows }
    : { ok: false, error: 'Give at least one line of weekly hours, like “Mon-Fri 08:00-19:00”.' };
}

export function parseSpecialDays(text: string): Parsed<SpecialDay[]> {
  const byDate = new Map<string, DayWindow[]>();
  for (const line of lines(text.replace(/,(?=\s*\d{4}-)/g, '\n'))) {
    const m = /^(\d{4}-\d{2}-\d{2})(?:\s+(.+))?$/.exec(line);
    if (!m || Number.isNaN(new Date(`${m[1]}T00:00:00Z`).getTime()))
      return { ok: false, error: `“${line}” is not like “2026-12-25” or “2026-12-24 08:00-12:00”.` };
    const windows = byDate.get(m[1]!) ?? [];
    if (m[2] && m[2].trim().toLowerCase() !== 'closed') {
      const range = parseRange(m[2]);
      if (!range) return { ok: false, error: `“${line}”: hours are like 08:00-12:00.` };
      windows.push(range);
    }
    byDate.set(m[1]!, windows);
  }
  return { ok: true, value: [...byDate].map(([date, windows]) => ({ date, windows })) };
}

/** ISO weekdays back to "Mon-Fri", "Sat, Sun", "every day". */
export function formatDays(days: readonly number[]): string {
  const sorted = [...new Set(days)].sort((a, b) => a - b);
  if (sorted.length === 7) return 'every day';
  const runs: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    runs.push(
      j - i >= 2
        ? `${LABELS[sorted[i]! - 1]}-${LABELS[sorted[j]! - 1]}`
        : sorted
            .slice(i, j + 1)
            .map((d) => LABELS[d - 1])
            .join(','),
    );
    i = j + 1;
  }
  return runs.join(',');
}

export const formatWeekly = (windows: readonly WeeklyWindow[]) => windows.map((w) => `${formatDays(w.days)} ${w.from}-${w.to}`).join('\n');
export const formatSpecialDays = (days: readonly SpecialDay[]) =>
  days.flatMap((d) => (d.windows.length === 0 ? [d.date] : d.windows.map((w) => `${d.date} ${w.from}-${w.to}`))).join('\n');
