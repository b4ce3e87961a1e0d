'use client';

import { useActionState, useState } from 'react';
import { PhotoPicker } from '@/components/photo-picker';
import { SubmitButton } from '@/components/submit-button';
import { addPhotos, deletePerson, mergePerson, removeSample, updatePerson, type FormState } from './actions';

function Feedback({ state }: { state: FormState }) {
  return (
    <div aria-live="polite">
      {state.error && (
        <p role="alert" className="alert error">
          {state.error}
        </p>
      )}
      {state.message && <p className={`alert ${state.ok ? 'ok' : 'warn'}`}>{state.message}</p>}
      {state.rejected && state.rejected.length > 0 && (
        <div className="alert error" role="alert">
          <strong>Refused photos:</strong>
          <ul>
            {state.rejected.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

export function AddPhotosForm({ personId }: { personId: string }) {
  const [state, action] = useActionState(addPhotos, {});
  return (
    <form action={action}>
      <input type="hidden" name="personId" value={personId} />
      <PhotoPicker name="photos" label="Photos" multiple required resetKey={state.at} autoCapture />
      <SubmitButton pending="Adding photos… (finding and encoding faces)">Add photos</SubmitButton>
      <Feedback state={state} />
    </form>
  );
}

export function RemoveSampleButton({ personId, sampleId, label }: { personId: string; sampleId: string; label: string }) {
  const [state, action] = useActionState(removeSample, {});
  return (
    <form
      action={action}
      onSubmit={(event) => !window.confirm('Remove this face sample? Its photo and encoding are erased.') && event.preventDefault()}
    >
      <input type="hidden" name="personId" value={personId} />
      <input type="hidden" name="sampleId" value={sampleId} />
      <SubmitButton className="secondary" pending="Removing…" label={label}>
        Remove
      </SubmitButton>
      {state.error && (
        <p role="alert" className="alert error">
          {state.error}
        </p>
      )}
    </form>
  );
}

export function EditPersonForm({
  person,
}: {
  person: { id: string; name: string; cardId: string | null; notes: string | null; active: boolean };
}) {
  const [state, action] = useActionState(updatePerson, {});
  return (
    <form action={action}>
      <input type="hidden" name="personId" value={person.id} />
      <div className="field">
        <label htmlFor="edit-name">Name</label>
        <input id="edit-name" name="name" type="text" required defaultValue={person.name} />
      </div>
      <div className="field">
        <label htmlFor="edit-card">
          Card id <span className="hint">empty for none</span>
        </label>
        <input id="edit-card" name="cardId" type="text" defaultValue={person.cardId ?? ''} />
      </div>
      <div className="field">
        <label htmlFor="edit-notes">Notes</label>
        <textarea id="edit-notes" name="notes" rows={2} defaultValue={person.notes ?? ''} />
      </div>
      <div className="field checks">
        <label>
          <input type="checkbox" name="active" defaultChecked={person.active} /> Active (inactive people are never let in)
        </label>
      </div>
      <SubmitButton pending="Saving…">Save changes</SubmitButton>
      <Feedback state={state} />
    </form>
  );
}

export function DeletePersonForm({ personId, name, samples }: { personId: string; name: string; samples: number }) {
  const [state, action] = useActionState(deletePerson, {});
  const [confirming, setConfirming] = useState(false);
  const erased = `${name}, ${samples === 1 ? 'their face sample' : `all ${samples} of their face samples`} and the face encodings computed from them`;
  if (!confirming) {
    return (
      <>
        <p className="muted">Deleting erases the person and their face data for good.</p>
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          Delete {name}…
        </button>
      </>
    );
  }
  return (
    <form action={action} role="alertdialog" aria-labelledby="confirm-delete-title" aria-describedby="confirm-delete-text">
      <h3 id="confirm-delete-title">Delete {name}?</h3>
      <p id="confirm-delete-text" className="alert warn">
        This erases {erased}, for good. The audit log keeps its past rows, with only the name they recorded. This cannot be undone.
      </p>
      <input type="hidden" name="personId" value={personId} />
      <div className="row">
        <SubmitButton className="danger" pending="Deleting…">
          Yes, delete {name} for good
        </SubmitButton>
        <button type="button" className="secondary" onClick={() => setConfirming(false)} autoFocus>
          Cancel
        </button>
      </div>
      <Feedback state={state} />
    </form>
  );
}

/**
 * One person enrolled twice (the duplicate warnings lead here): the other record's samples, passes,
 * groups, card and audit events become this person's, and the other is erased. Asked twice, like a deletion.
 */
export function MergePersonForm({
  person,
  others,
  preselect,
}: {
  person: { id: string; name: string };
  others: { id: string; name: string; cardId: string | null }[];
  preselect: string | null;
}) {
  const [state, action] = useActionState(mergePerson, {});
  const [fromId, setFromId] = useState(preselect && others.some((o) => o.id === preselect) ? preselect : '');
  const [confirming, setConfirming] = useState(false);
  const other = others.find((o) => o.id === fromId);
  if (state.ok) return <Feedback state={state} />;
  return (
    <form action={action} aria-describedby="merge-text">
      <p id="merge-text" className="muted">
        When {person.name} was enrolled twice: the other record&apos;s face samples, visitor passes, groups and audit events become{' '}
        {person.name}&apos;s (the card and PIN too, when {person.name} has none), then the other record is erased.
      </p>
      <input type="hidden" name="intoId" value={person.id} />
      <div className="field">
        <label htmlFor="merge-from">The other record</label>
        <select
          id="merge-from"
          name="fromId"
          value={fromId}
          onChange={(e) => {
            setFromId(e.target.value);
            setConfirming(false);
          }}
          required
        >
          <option value="">Choose a person…</option>
          {others.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
              {o.cardId ? ` (card ${o.cardId})` : ''}
            </option>
          ))}
        </select>
      </div>
      {!confirming ? (
        <button type="button" className="secondary" disabled={!other} onClick={() => setConfirming(true)}>
          Merge into {person.name}…
        </button>
      ) : (
        <div role="alertdialog" aria-labelledby="confirm-merge-title" aria-describedby="confirm-merge-text">
          <h3 id="confirm-merge-title">
            Merge {other?.name} into {person.name}?
          </h3>
          <p id="confirm-merge-text" className="alert warn">
            Only if they are the same person. {other?.name}&apos;s record is erased after its data moves to {person.name}. This cannot be
            undone.
          </p>
          <div className="row">
            <SubmitButton className="danger" pending="Merging…">
              Yes, merge {other?.name} into {person.name}
            </SubmitButton>
            <button type="button" className="secondary" onClick={() => setConfirming(false)} autoFocus>
              Cancel
            </button>
          </div>
        </div>
      )}
      <Feedback state={state} />
    </form>
  );
}
