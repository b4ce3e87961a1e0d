'use client';

import { useHydrated } from './use-hydrated';

const pad = (n: number) => String(n).padStart(2, '0');

/** The zone's short name at that instant (CET, GMT+2...), from the browser's own time zone. */
function zoneName(date: Date): string {
  const part = new Intl.DateTimeFormat('en-GB', { timeZoneName: 'short' }).formatToParts(date).find((p) => p.type === 'timeZoneName');
  return part?.value ?? '';
}

/** YYYY-MM-DD HH:MM(:SS) in the browser's time zone, then the zone's short name. */
export function localText(iso: string, seconds = true): string {
  const d = new Date(iso);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}${seconds ? `:${pad(d.getSeconds())}` : ''}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time} ${zoneName(d)}`;
}

/** The same in UTC: what the server (which cannot know the viewer's zone) renders first. */
export function utcText(iso: string, seconds = true): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, seconds ? 19 : 16)} UTC`;
}

/**
 * A time in the viewer's local time zone, named. The server's HTML says UTC; the browser rewrites it
 * once hydrated (no mismatch: useHydrated is false while hydrating). The ISO instant is the tooltip.
 */
export function LocalTime({ iso, seconds = true }: { iso: string; seconds?: boolean }) {
  const hydrated = useHydrated();
  return (
    <time dateTime={iso} title={iso} suppressHydrationWarning>
      {hydrated ? localText(iso, seconds) : utcText(new Date(iso).toISOString(), seconds)}
    </time>
  );
}

/** "Times are in your time zone, Europe/Paris." (UTC until the browser says which). */
export function TimeZoneNote({ prefix = 'Times are in your time zone' }: { prefix?: string }) {
  const hydrated = useHydrated();
  return (
    <span data-testid="time-zone">{hydrated ? `${prefix}, ${Intl.DateTimeFormat().resolvedOptions().timeZone}.` : 'Times are UTC.'}</span>
  );
}
