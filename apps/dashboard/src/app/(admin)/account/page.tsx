import type { Metadata } from 'next';
import { safeRead } from '@/lib/api';
import { requireUser } from '@/lib/session';
import { ErrorPanel } from '@/components/error-panel';
import { LocalTime } from '@/components/local-time';
import { DisableForm, EnrolForm, RequireForm } from './account-forms';
import { AddPasskeyForm, RemovePasskeyForm } from './passkey-forms';

type Passkey = { id: string; name: string; createdAt: string; lastUsedAt: string | null };

export const metadata: Metadata = { title: 'Account' };

export default async function AccountPage() {
  const me = await requireUser();
  const { data, error } = await safeRead<{
    mySecondFactor: { totpEnabled: boolean; recoveryCodesLeft: number; required: boolean };
    myPasskeys: Passkey[];
  }>('{ mySecondFactor { totpEnabled recoveryCodesLeft required } myPasskeys { id name createdAt lastUsedAt } }');
  if (!data) return <ErrorPanel message={error} />;
  const { totpEnabled, recoveryCodesLeft, required } = data.mySecondFactor;
  const passkeys = data.myPasskeys;
  return (
    <>
      <h1>Account</h1>
      <section className="panel" aria-labelledby="totp-title">
        <h2 id="totp-title">Two-step sign-in</h2>
        <p data-testid="totp-status">
          {me.name}:{' '}
          {totpEnabled
            ? `on (authenticator app), ${recoveryCodesLeft} recovery code${recoveryCodesLeft === 1 ? '' : 's'} left`
            : 'off: the password alone signs in'}
          {required ? '. This site requires it.' : '.'}
        </p>
        <EnrolForm enrolled={totpEnabled} />
        {totpEnabled && (!required || passkeys.length > 0) && <DisableForm />}
      </section>
      <section className="panel" aria-labelledby="passkeys-title">
        <h2 id="passkeys-title">Passkeys</h2>
        <p>
          A passkey (this device&apos;s fingerprint or PIN, or a security key) confirms a sign-in after the password. The authenticator app
          stays a fallback.
        </p>
        {passkeys.length === 0 ? (
          <p data-testid="passkey-list">No passkey yet.</p>
        ) : (
          <ul data-testid="passkey-list">
            {passkeys.map((p) => (
              <li key={p.id}>
                <strong>{p.name}</strong>, added <LocalTime iso={p.createdAt} />,{' '}
                {p.lastUsedAt ? (
                  <>
                    last used <LocalTime iso={p.lastUsedAt} />
                  </>
                ) : (
                  'not used yet'
                )}
                <RemovePasskeyForm id={p.id} name={p.name} />
              </li>
            ))}
          </ul>
        )}
        <AddPasskeyForm />
      </section>
      {me.role === 'ADMIN' && (
        <section className="panel" aria-labelledby="require-title">
          <h2 id="require-title">Every administrator</h2>
          <p>
            When required, an administrator without a second factor can only sign in to enrol one, and sessions opened with a password alone
            end.
          </p>
          <RequireForm required={required} />
        </section>
      )}
    </>
  );
}
