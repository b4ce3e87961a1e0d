'use client';

import Link from 'next/link';
import { useRef, useState, useTransition, type FormEvent } from 'react';
import { PhotoPicker } from '@/components/photo-picker';
import { useHydrated } from '@/components/use-hydrated';
import { enrollPerson, type EnrollState } from './actions';

export function EnrollForm() {
  // Submitted by hand rather than as a form action: on a refusal the name and the photos stay, to be
  // corrected; only a successful enrollment empties the form.
  const [state, setState] = useState<EnrollState>({});
  const [pending, startTransition] = useTransition();
  const hydrated = useHydrated();
  const form = useRef<HTMLFormElement>(null);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    startTransition(async () => {
      const next = await enrollPerson(state, data);
      setState(next);
      if (next.enrolled) form.current?.reset();
    });
  };
  const err = state.fieldErrors ?? {};
  return (
    <form ref={form} onSubmit={submit} className="panel" aria-busy={pending}>
      <div className="field">
        <label htmlFor="name">Name</label>
        <input id="name" name="name" type="text" required aria-invalid={!!err.name} aria-describedby={err.name ? 'name-error' : undefined} />
        {err.name && <p id="name-error" className="alert error">{err.name}</p>}
      </div>
      <div className="field">
        <label htmlFor="cardId">
          Card id <span className="hint">optional; the badge number swiped at doors</span>
        </label>
        <input id="cardId" name="cardId" type="text" aria-invalid={!!err.cardId} />
        {err.cardId && <p className="alert error">{err.cardId}</p>}
      </div>
      <div className="field">
        <label htmlFor="notes">
          Notes <span className="hint">optional</span>
        </label>
        <textarea id="notes" name="notes" rows={2} />
      </div>
      <PhotoPicker name="photos" label="Photos of the face" multiple required />
      {err.photos && <p className="alert error" role="alert">{err.photos}</p>}
      <div className="field">
        <label htmlFor="confirmDuplicateName">
          <input id="confirmDuplicateName" name="confirmDuplicateName" type="checkbox" /> Create even if someone of that name is enrolled
        </label>
        <label htmlFor="allowDuplicates">
          <input id="allowDuplicates" name="allowDuplicates" type="checkbox" /> Enrol even if the face matches someone else (different people who look alike)
        </label>
      </div>
      <button type="submit" disabled={pending || !hydrated}>
        {pending ? 'Enrolling… (finding and encoding faces)' : 'Enroll'}
      </button>
      <div aria-live="polite">
        {state.error && (
          <p role="alert" className="alert error">
            {state.error}
          </p>
        )}
        {state.enrolled && (
          <div className="alert ok" role="status">
            {state.enrolled.thumbnail && <img className="thumb" src={state.enrolled.thumbnail} alt="" style={{ float: 'left', marginRight: '0.6rem' }} />}
            <Link href={`/people/${state.enrolled.id}`}>{state.enrolled.name}</Link> is enrolled with {state.enrolled.samples} face {state.enrolled.samples === 1 ? 'sample' : 'samples'}.
            <div style={{ clear: 'both' }} />
          </div>
        )}
        {state.rejected && state.rejected.length > 0 && (
          <div role="alert" className="alert error">
            <strong>{state.rejected.length === 1 ? 'This photo was refused:' : `These ${state.rejected.length} photos were refused:`}</strong>
            <ul>
              {state.rejected.map((r, i) => (
                <li key={i}>
                  <strong>{r.filename}</strong>: {r.text}
                </li>
              ))}
            </ul>
          </div>
        )}
      </div>
    </form>
  );
}
