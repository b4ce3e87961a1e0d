'use client';

import { useState } from 'react';
import { useHydrated } from './use-hydrated';

const pad = (n: number) => String(n).padStart(2, '0');

/** "YYYY-MM-DDTHH:MM" in UTC (what the server reads) to the same in the browser's time zone. */
function utcToLocal(utc: string): string {
  const d = new Date(`${utc.length === 16 ? `${utc}:00` : utc}Z`);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local typed in the browser's zone, back to "YYYY-MM-DDTHH:MM" in UTC. */
function localToUtc(local: string): string {
  const d = new Date(local);
  return local === '' || Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(0, 16);
}

/**
 * A date-time field of a GET form (the audit filters) typed in the viewer's own time zone, sent as
 * UTC under `name`, as the server reads it. Before the page is interactive it is a plain UTC field,
 * labelled so.
 */
export function LocalDateTimeField({
  id,
  name,
  label,
  utcValue,
}: {
  id: string;
  name: string;
  label: string;
  utcValue: string | undefined;
}) {
  const hydrated = useHydrated();
  const [utc, setUtc] = useState(utcValue ?? '');
  if (!hydrated) {
    return (
      <div className="field">
        <label htmlFor={id}>{label} (UTC)</label>
        <input id={id} name={name} type="datetime-local" defaultValue={utcValue ?? ''} />
      </div>
    );
  }
  return (
    <div className="field">
      <label htmlFor={id}>
        {label} <span className="hint">{Intl.DateTimeFormat().resolvedOptions().timeZone}</span>
      </label>
      {/* Uncontrolled: a half-typed value must not be wiped by a re-render. */}
      <input
        id={id}
        type="datetime-local"
        defaultValue={utcValue ? utcToLocal(utcValue) : ''}
        onChange={(e) => setUtc(localToUtc(e.currentTarget.value))}
      />
      <input type="hidden" name={name} value={utc} />
    </div>
  );
}
