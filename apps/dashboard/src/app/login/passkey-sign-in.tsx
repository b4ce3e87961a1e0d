'use client';

import { startAuthentication } from '@simplewebauthn/browser';
import { useState, useTransition } from 'react';
import { passkeySignInOptions, submitPasskey } from './actions';

/** The second step with a passkey: the browser asks the authenticator, the server checks its answer. */
export function PasskeySignIn() {
  const [error, setError] = useState<string>();
  const [pending, startTransition] = useTransition();
  function signInWithPasskey() {
    startTransition(async () => {
      const started = await passkeySignInOptions();
      if (!started.options) return setError(started.error);
      let response;
      try {
        response = await startAuthentication({ optionsJSON: JSON.parse(started.options) });
      } catch (e) {
        return setError(`The browser gave no passkey (${e instanceof Error ? e.message : String(e)}). Try again, or enter a code.`);
      }
      // On success the action sends the page on to the overview.
      setError((await submitPasskey({ response: JSON.stringify(response) })).error);
    });
  }
  return (
    <div>
      <button
        type="button"
        onClick={signInWithPasskey}
        disabled={pending}
        aria-busy={pending}
        aria-describedby={error ? 'passkey-error' : undefined}
      >
        {pending ? 'Waiting for the passkey…' : 'Use a passkey'}
      </button>
      {error && (
        <p id="passkey-error" role="alert" className="alert error">
          {error}
        </p>
      )}
      <p>Or enter a code:</p>
    </div>
  );
}
