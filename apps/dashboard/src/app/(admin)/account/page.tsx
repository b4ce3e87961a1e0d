import type { Metadata } from 'next';
import { safeRead } from '@/lib/api';
import { requireUser } from '@/lib/session';
import { ErrorPanel } from '@/components/error-panel';
import { DisableForm, EnrolForm, RequireForm } from './account-forms';

export const metadata: Metadata = { title: 'Account' };

export default async function AccountPage() {
  const me = await requireUser();
  const { data, error } = await safeRead<{ mySecondFactor: { totpEnabled: boolean; recoveryCodesLeft: number; required: boolean } }>('{ mySecondFactor { totpEnabled recoveryCodesLeft required } }');
  if (!data) return <ErrorPanel message={error} />;
  const { totpEnabled, recoveryCodesLeft, required } = data.mySecondFactor;
  return (
    <>
      <h1>Account</h1>
      <section className="panel" aria-labelledby="totp-title">
        <h2 id="totp-title">Two-step sign-in</h2>
        <p data-testid="totp-status">
          {me.name}:{' '}
          {totpEnabled ? `on (authenticator app), ${recoveryCodesLeft} recovery code${recoveryCodesLeft === 1 ? '' : 's'} left` : 'off: the password alone signs in'}
          {required ? '. This site requires it.' : '.'}
        </p>
        <EnrolForm enrolled={totpEnabled} />
        {totpEnabled && !required && <DisableForm />}
      </section>
      {me.role === 'ADMIN' && (
        <section className="panel" aria-labelledby="require-title">
          <h2 id="require-title">Every administrator</h2>
          <p>When required, an administrator without a second factor can only sign in to enrol one, and sessions opened with a password alone end.</p>
          <RequireForm required={required} />
        </section>
      )}
    </>
  );
}
