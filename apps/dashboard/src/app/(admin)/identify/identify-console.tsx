'use client';

import { useState, useTransition, type FormEvent } from 'react';
import type { ConsoleState } from '@/lib/recognition';
import type { ConsoleDoorFragment as Door } from '@/generated/graphql';
import { PhotoPicker } from '@/components/photo-picker';
import { useHydrated } from '@/components/use-hydrated';
import { RecognitionResult } from '@/components/recognition-result';
import { identifyFace } from './actions';
import { DoorSelect } from '@/components/door-select';

export function IdentifyConsole({ doors }: { doors: Door[] }) {
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
      const next = await identifyFace(state, form);
      if (state.photoUrl) URL.revokeObjectURL(state.photoUrl);
      setState({ ...next, ...(photoUrl ? { photoUrl } : {}) });
    });
  };
  return (
    <div className="grid-2">
      <form onSubmit={submit} className="panel" aria-busy={pending}>
        <div className="field">
          <label htmlFor="doorId">
            Door <span className="hint">optional, recorded in the audit log</span>
          </label>
          <DoorSelect id="doorId" doors={doors} emptyLabel="No door (console)" />
        </div>
        <div className="field">
          <label htmlFor="candidates">Nearest people to list</label>
          <input id="candidates" name="candidates" type="number" min={1} max={20} defaultValue={5} style={{ maxWidth: '6rem' }} />
        </div>
        <PhotoPicker name="photo" label="Photo" required />
        <button type="submit" disabled={pending || !hydrated}>
          {pending ? 'Identifying…' : 'Identify'}
        </button>
        {state.error && (
          <p role="alert" className="alert error">
            {state.error}
          </p>
        )}
      </form>
      {state.result ? (
        <RecognitionResult result={state.result} photoUrl={state.photoUrl} mode="identify" />
      ) : (
        <p className="panel muted">The decision and the nearest enrolled people, with their distances, appear here.</p>
      )}
    </div>
  );
}
