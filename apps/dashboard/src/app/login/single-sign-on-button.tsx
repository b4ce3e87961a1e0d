'use client';

import { useActionState } from 'react';
import { startSingleSignOn } from './single-sign-on';

/** "Sign in with <provider>": off to the provider's sign-in page, back through login/callback. */
export function SingleSignOnButton({ name, refusal }: { name: string; refusal?: string }) {
  const [state, action, pending] = useActionState(startSingleSignOn, {});
  const error = state.error ?? refusal;
  return (
    <form action={action} className="panel">
      {error && (
        <p role="alert" className="alert error">
          {error}
        </p>
      )}
      <button type="submit" disabled={pending}>
        {pending ? 'Going to the sign-in provider…' : `Sign in with ${name}`}
      </button>
    </form>
  );
}
