'use client';

import { useState, useTransition, type FormEvent } from 'react';
import type { ConsoleState } from '@/lib/recognition';
import type { ConsoleDoorFragment as Door } from '@/generated/graphql';
import { PhotoPicker } from '@/components/photo-picker';
import { useHydrated } from '@/components/use-hydrated';
import { RecognitionResult } from '@/components/recognition-result';
import { verifyFace } from './actions';
import { DoorSelect } from '@/components/door-select';

export function VerifyConsole({ people, doors }: { people: { id: string; name: string; cardId: string | null }[]; doors: Door[] }) {
  // Submitted by hand rather than as a form action, so the choices stay for the next attempt.
  const [state, setState] = useState<ConsoleState>({});
  const [pending, startTransition] = useTransition();
  const hydrated = useHydrated();
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    // The photo stays in the browser: the boxes the API found are drawn over this copy of it.
    const photo = form.get('photo');
    const photoUrl = photo instanceof File && photo.size > 0 ? URL.createObjectURL(photo) : undefined;
    startTransition(async () => {
      const next = await verifyFace(state, form);
      if (state.photoUrl) URL.revokeObjectURL(state.photoUrl);
      setState({ ...next, ...(photoUrl ? { photoUrl } : {}) });
    });
  };
  const [claim, setClaim] = useState<'person' | 'card'>('person');
  return (
    <div className="grid-2">
      <form onSubmit={submit} className="panel" aria-busy={pending}>
        <fieldset>
          <legend>Who does the face claim to be?</legend>
          <div className="checks">
            <label>
              <input type="radio" name="claim" value="person" checked={claim === 'person'} onChange={() => setClaim('person')} /> A person
            </label>
            <label>
              <input type="radio" name="claim" value="card" checked={claim === 'card'} onChange={() => setClaim('card')} /> A card id
            </label>
          </div>
        </fieldset>
        {claim === 'person' ? (
          <div className="field">
            <label htmlFor="personId">Person</label>
            <select id="personId" name="personId" required defaultValue="">
              <option value="" disabled>
                Choose…
              </option>
              {people.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                  {p.cardId ? ` (card ${p.cardId})` : ''}
                </option>
              ))}
            </select>
          </div>
        ) : (
          <div className="field">
            <label htmlFor="cardId">Card id</label>
            <input id="cardId" name="cardId" type="text" required />
          </div>
        )}
        <div className="field">
          <label htmlFor="doorId">
            Door <span className="hint">optional, recorded in the audit log</span>
          </label>
          <DoorSelect id="doorId" doors={doors} emptyLabel="No door (console)" />
        </div>
        <PhotoPicker name="photo" label="Photo from the door" required />
        <button type="submit" disabled={pending || !hydrated}>
          {pending ? 'Verifying…' : 'Verify'}
        </button>
        {state.error && (
          <p role="alert" className="alert error">
            {state.error}
          </p>
        )}
      </form>
      {state.result ? (
        <RecognitionResult result={state.result} photoUrl={state.photoUrl} mode="verify" />
      ) : (
        <p className="panel muted">
          The decision, the distance against the threshold, and the face seen beside the enrolled one appear here.
        </p>
      )}
    </div>
  );
}
