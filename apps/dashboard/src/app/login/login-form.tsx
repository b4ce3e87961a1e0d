'use client';

import { useActionState } from 'react';
import { finishSignIn, login, submitCode, type LoginState } from './actions';
import { PasskeySignIn } from './passkey-sign-in';

export function LoginForm({ notice }: { notice?: string }) {
  const [state, action, pending] = useActionState<LoginState, FormData>(login, {});
  if (state.step) return <CodeForm first={state} />;
  return (
    <form action={action} className="panel" aria-describedby={state.error ? 'login-error' : undefined}>
      <h1>Sign in to facegate</h1>
      {notice && !state.error && <p className="alert warn">{notice}</p>}
      <div className="field">
        <label htmlFor="email">Email</label>
        <input id="email" name="email" type="email" autoComplete="username" required defaultValue={state.email} />
      </div>
      <div className="field">
        <label htmlFor="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required />
      </div>
      {state.error && (
        <p id="login-error" role="alert" className="alert error">
          {state.error}
        </p>
      )}
      <button type="submit" disabled={pending}>
        {pending ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}

/** The second step: the authenticator app's code (after enrolling it, when the site requires one). */
function CodeForm({ first }: { first: LoginState }) {
  const [state, action, pending] = useActionState<LoginState, FormData>(submitCode, first);
  if (state.recoveryCodes) return <RecoveryCodes codes={state.recoveryCodes} />;
  if (!state.step) return <LoginForm notice={state.error} />;
  return (
    <form action={action} className="panel" aria-describedby={state.error ? 'code-error' : undefined}>
      <h1>{state.step === 'enrol' ? 'Set up your authenticator app' : state.passkey ? 'Use your passkey or a code' : 'Enter your code'}</h1>
      {state.step === 'code' && state.passkey && <PasskeySignIn />}
      {state.step === 'enrol' && state.enrolment && (
        <>
          <p>
            This site requires a second factor. Add this account to an authenticator app (the URI, or the secret typed in), then enter the
            code it shows.
          </p>
          <p>
            Secret: <code data-testid="totp-secret">{state.enrolment.secret}</code>
          </p>
          <p>
            URI: <code style={{ wordBreak: 'break-all' }}>{state.enrolment.uri}</code>
          </p>
        </>
      )}
      <div className="field">
        <label htmlFor="code">
          {state.step === 'enrol' ? 'Code from the app' : 'Code from your authenticator app, or a recovery code'}
        </label>
        <input
          id="code"
          name="code"
          autoComplete="one-time-code"
          inputMode={state.step === 'enrol' ? 'numeric' : 'text'}
          required
          autoFocus
        />
      </div>
      {state.error && (
        <p id="code-error" role="alert" className="alert error">
          {state.error}
        </p>
      )}
      <button type="submit" disabled={pending}>
        {pending ? 'Checking…' : 'Continue'}
      </button>
    </form>
  );
}

function RecoveryCodes({ codes }: { codes: string[] }) {
  return (
    <form action={finishSignIn} className="panel">
      <h1>Your recovery codes</h1>
      <p>Each code signs you in once if you lose your app. Keep them somewhere safe: they are not shown again.</p>
      <ul data-testid="recovery-codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ul>
      <button type="submit">Continue</button>
    </form>
  );
}
