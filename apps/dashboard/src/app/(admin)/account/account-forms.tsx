'use client';

import { useActionState } from 'react';
import { FormFeedback } from '@/components/form-feedback';
import { SubmitButton } from '@/components/submit-button';
import { confirmEnrolment, disableTotp, requireSecondFactor, startEnrolment, type AccountState } from './actions';

/** Enrol an authenticator app: the password, then the app's first code; the recovery codes once. */
export function EnrolForm({ enrolled }: { enrolled: boolean }) {
  const [started, start] = useActionState<AccountState, FormData>(startEnrolment, {});
  const [confirmed, confirm] = useActionState<AccountState, FormData>(confirmEnrolment, {});
  if (confirmed.recoveryCodes) {
    return (
      <div>
        <FormFeedback state={confirmed} />
        <p>Your recovery codes: each signs you in once if you lose your app. They are not shown again.</p>
        <ul data-testid="recovery-codes">
          {confirmed.recoveryCodes.map((c) => (
            <li key={c}>
              <code>{c}</code>
            </li>
          ))}
        </ul>
      </div>
    );
  }
  if (started.enrolment) {
    return (
      <form action={confirm}>
        <p>Add this account to your authenticator app (the URI, or the secret typed in), then enter the code it shows.</p>
        <p>
          Secret: <code data-testid="totp-secret">{started.enrolment.secret}</code>
        </p>
        <p>
          URI: <code style={{ wordBreak: 'break-all' }}>{started.enrolment.uri}</code>
        </p>
        <div className="field">
          <label htmlFor="totp-code">Code from the app</label>
          <input id="totp-code" name="code" inputMode="numeric" autoComplete="one-time-code" required />
        </div>
        <SubmitButton pending="Checking…">Turn on</SubmitButton>
        <FormFeedback state={confirmed} />
      </form>
    );
  }
  return (
    <form action={start}>
      <div className="field">
        <label htmlFor="enrol-password">
          Your password <span className="hint">asked again</span>
        </label>
        <input id="enrol-password" name="currentPassword" type="password" autoComplete="current-password" required />
      </div>
      <SubmitButton pending="Starting…">{enrolled ? 'Replace the authenticator app' : 'Set up an authenticator app'}</SubmitButton>
      <FormFeedback state={started} />
    </form>
  );
}

export function DisableForm() {
  const [state, action] = useActionState<AccountState, FormData>(disableTotp, {});
  return (
    <form action={action}>
      <div className="field">
        <label htmlFor="disable-password">
          Your password <span className="hint">asked again</span>
        </label>
        <input id="disable-password" name="currentPassword" type="password" autoComplete="current-password" required />
      </div>
      <SubmitButton pending="Turning off…">Turn off two-step sign-in</SubmitButton>
      <FormFeedback state={state} />
    </form>
  );
}

export function RequireForm({ required }: { required: boolean }) {
  const [state, action] = useActionState<AccountState, FormData>(requireSecondFactor, {});
  return (
    <form action={action}>
      <input type="hidden" name="on" value={required ? 'false' : 'true'} />
      <SubmitButton pending="Saving…">
        {required ? 'Stop requiring a second factor' : 'Require a second factor of every administrator'}
      </SubmitButton>
      <FormFeedback state={state} />
    </form>
  );
}
