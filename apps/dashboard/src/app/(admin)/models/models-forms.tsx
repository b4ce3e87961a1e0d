'use client';

import { useRouter } from 'next/navigation';
import { useActionState, useEffect, type FormEvent } from 'react';
import { FormFeedback } from '@/components/form-feedback';
import { SubmitButton } from '@/components/submit-button';
import styles from './models.module.css';
import { activateModel, cancelChange, startTraining, uploadHead, type ModelsState } from './actions';

/** Reloads the page's data every `ms` while something runs (a re-encoding job, a training run). */
export function AutoRefresh({ active, ms = 1500 }: { active: boolean; ms?: number }) {
  const router = useRouter();
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => router.refresh(), ms);
    return () => clearInterval(timer);
  }, [active, ms, router]);
  return null;
}

/**
 * Activates a head (or the standard model). `warning`: the head never did better than the standard
 * model, so the browser asks first (keyboard and screen readers get its dialog); the API records in the
 * administrators' log that it was activated against the comparison's advice.
 */
export function ActivateForm({ headId, label, warning = null }: { headId: string | null; label: string; warning?: string | null }) {
  const [state, action] = useActionState<ModelsState, FormData>(activateModel, {});
  return (
    <form
      action={action}
      className={styles.inline}
      onSubmit={(event: FormEvent<HTMLFormElement>) => {
        if (warning && !window.confirm(warning)) event.preventDefault();
      }}
    >
      <input type="hidden" name="headId" value={headId ?? ''} />
      <SubmitButton pending="Starting…" label={label}>
        Activate
      </SubmitButton>
      <FormFeedback state={state} />
    </form>
  );
}

export function CancelForm({ id }: { id: string }) {
  const [state, action] = useActionState<ModelsState, FormData>(cancelChange, {});
  return (
    <form action={action} className={styles.inline}>
      <input type="hidden" name="id" value={id} />
      <SubmitButton pending="Cancelling…" className="secondary">
        Cancel the change
      </SubmitButton>
      <FormFeedback state={state} />
    </form>
  );
}

export function UploadHeadForm() {
  const [state, action] = useActionState<ModelsState, FormData>(uploadHead, {});
  return (
    <form action={action}>
      <label>
        Head file (JSON written by <code>facegate train</code>)
        <input type="file" name="head" accept="application/json,.json" required />
      </label>
      <SubmitButton pending="Adding…">Add head</SubmitButton>
      <FormFeedback state={state} />
    </form>
  );
}

export function TrainingForm() {
  const [state, action] = useActionState<ModelsState, FormData>(startTraining, {});
  return (
    <form action={action}>
      <fieldset>
        <legend>Train on</legend>
        <label>
          <input type="radio" name="source" value="ENROLLED" defaultChecked /> the enrolled people
        </label>
        <label>
          <input type="radio" name="source" value="FOLDER" /> a folder on the server (one folder per person, under FACEGATE_TRAINING_ROOT)
        </label>
        <label>
          Folder (under the training root)
          <input type="text" name="dir" maxLength={200} placeholder="e.g. lfw-view1" />
        </label>
      </fieldset>
      <label>
        Most epochs
        <input type="number" name="maxEpochs" min={1} max={200} defaultValue={60} required />
      </label>
      <SubmitButton pending="Starting…">Start training</SubmitButton>
      <FormFeedback state={state} />
    </form>
  );
}
