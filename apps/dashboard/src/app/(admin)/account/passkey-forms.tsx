'use client';

import { startRegistration } from '@simplewebauthn/browser';
import { useActionState, useState, useTransition } from 'react';
import { FormFeedback } from '@/components/form-feedback';
import { SubmitButton } from '@/components/submit-button';
import { finishPasskeyRegistration, removePasskey, startPasskeyRegistration, type AccountState } from './actions';

/** Adds a passkey: a name and the password, then the browser asks the authenticator (fingerprint, PIN, key). */
export function AddPasskeyForm() {
  const [state, setState] = useState<AccountState>({});
  const [pending, startTransition] = useTransition();
  function add(form: FormData) {
    const name = String(form.get('name') ?? '');
    startTransition(async () => {
      const started = await startPasskeyRegistration({ name, currentPassword: String(form.get('currentPassword') ?? '') });
      if (!started.options) return setState({ error: started.error });
      let response;
      try {
        response = await startRegistration({ optionsJSON: JSON.parse(started.options) });
      } catch (error) {
        return setState({ error: `The browser did not create a passkey (${error instanceof Error ? error.message : String(error)}).` });
      }
      setState(await finishPasskeyRegistration({ name, response: JSON.stringify(response) }));
    });
  }
  return (
    <form action={add}>
      <div className="field">
        <label htmlFor="passkey-name">Passkey name</label>
        <input id="passkey-name" name="name" maxLength={64} placeholder="e.g. Work laptop" required />
      </div>
      <div className="field">
        <label htmlFor="passkey-password">
          Account password, to add it <span className="hint">asked again</span>
        </label>
        <input id="passkey-password" name="currentPassword" type="password" autoComplete="current-password" required />
      </div>
      <button type="submit" disabled={pending} aria-busy={pending}>
        {pending ? 'Waiting for the passkey…' : 'Add a passkey'}
      </button>
      <FormFeedback state={state} />
    </form>
  );
}

export function RemovePasskeyForm({ id, name }: { id: string; name: string }) {
  const [state, action] = useActionState<AccountState, FormData>(removePasskey, {});
  return (
    <form action={action}>
      <input type="hidden" name="id" value={id} />
      <div className="field">
        <label htmlFor={`remove-${id}`}>
          Account password, to remove “{name}” <span className="hint">asked again</span>
        </label>
        <input id={`remove-${id}`} name="currentPassword" type="password" autoComplete="current-password" required />
      </div>
      <SubmitButton pending="Removing…" label={`Remove ${name}`}>
        Remove
      </SubmitButton>
      <FormFeedback state={state} />
    </form>
  );
}
