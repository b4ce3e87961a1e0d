'use client';

import { useState, type ReactNode } from 'react';
import styles from './people-picker.module.css';

type Person = { id: string; name: string; active?: boolean };

/**
 * Several people ticked at once, found by typing part of a name: plain checkboxes (Tab and Space on a
 * keyboard, a finger on a phone), sent as `personIds`. A ticked person stays ticked while the search hides
 * them, and the count says so.
 */
export function PeoplePicker({
  people,
  legend,
  id,
  submit,
}: {
  people: readonly Person[];
  legend: string;
  id: string;
  /** The form's button, told how many are ticked. */
  submit: (ticked: number) => ReactNode;
}) {
  const [query, setQuery] = useState('');
  const [ticked, setTicked] = useState<ReadonlySet<string>>(new Set());
  const words = query.trim().toLowerCase();
  const shown = people.filter((p) => p.name.toLowerCase().includes(words));
  const set = (ids: Iterable<string>) => setTicked(new Set(ids));
  return (
    <fieldset className={styles.picker}>
      <legend>{legend}</legend>
      <input
        id={`${id}-search`}
        className={styles.search}
        type="search"
        aria-label={`Find by name (${legend})`}
        placeholder="Type part of a name"
        value={query}
        onChange={(e) => setQuery(e.currentTarget.value)}
        // Enter in the search box filters; it must not send the form.
        onKeyDown={(e) => e.key === 'Enter' && e.preventDefault()}
      />
      <div className={styles.tools}>
        <button
          type="button"
          className="secondary"
          onClick={() => set([...ticked, ...shown.map((p) => p.id)])}
          disabled={shown.length === 0}
        >
          Tick all shown ({shown.length})
        </button>
        <button type="button" className="secondary" onClick={() => set([])} disabled={ticked.size === 0}>
          Untick all
        </button>
        <span aria-live="polite" data-testid="ticked-count">
          {ticked.size} ticked
        </span>
      </div>
      {shown.length === 0 && <p className="muted">Nobody matches “{query.trim()}”.</p>}
      <ul className={styles.list}>
        {people.map((p) => (
          <li key={p.id} hidden={!shown.includes(p)}>
            <label>
              <input
                type="checkbox"
                name="personIds"
                value={p.id}
                checked={ticked.has(p.id)}
                onChange={(e) => {
                  const next = new Set(ticked);
                  if (e.currentTarget.checked) next.add(p.id);
                  else next.delete(p.id);
                  setTicked(next);
                }}
              />
              {p.name}
              {p.active === false && <span className="hint">inactive</span>}
            </label>
          </li>
        ))}
      </ul>
      {submit(ticked.size)}
    </fieldset>
  );
}
