import type { Metadata } from 'next';
import { safeRead } from '@/lib/api';
import { requireUser } from '@/lib/session';
import type { Door } from '@/lib/types';
import { ErrorPanel } from '@/components/error-panel';
import { AdminForms, ApiKeyForms, DoorForms, ThresholdForm, type RecognitionSettings } from './settings-forms';

export const metadata: Metadata = { title: 'Settings' };

type ApiKey = { id: string; name: string; prefix: string; scopes: string[]; door: { name: string } | null; createdAt: string; lastUsedAt: string | null; revokedAt: string | null };

export default async function SettingsPage() {
  const me = await requireUser();
  const isAdmin = me.role === 'ADMIN';
  const { data, error } = await safeRead<{
    settings: RecognitionSettings;
    doors: Door[];
    apiKeys?: ApiKey[];
    admins?: { id: string; email: string; role: string; createdAt: string }[];
  }>(`{
    settings { threshold thresholdOverride falseAcceptOneIn stepUp rule liveness rateLimitPerMinute }
    doors { id name location }
    ${isAdmin ? 'apiKeys { id name prefix scopes door { name } createdAt lastUsedAt revokedAt } admins { id email role createdAt }' : ''}
  }`);
  if (!data) return <ErrorPanel message={error} />;
  return (
    <>
      <h1>Settings</h1>
      {!isAdmin && <p className="alert warn">You are signed in as a viewer: you can look, not change. API keys and accounts are shown to administrators only.</p>}
      <section className="panel" aria-labelledby="recognition-title">
        <h2 id="recognition-title">Recognition</h2>
        {isAdmin ? (
          <ThresholdForm settings={data.settings} />
        ) : (
          <p>
            Threshold <strong>{data.settings.threshold.toFixed(3)}</strong> ({data.settings.thresholdOverride === null ? `calibrated for 1 in ${data.settings.falseAcceptOneIn.toLocaleString('en')}` : 'fixed'}) · rule {data.settings.rule.toLowerCase().replace('_', ' ')} · {data.settings.rateLimitPerMinute} attempts per minute per caller
          </p>
        )}
      </section>
      <section className="panel" aria-labelledby="doors-title">
        <h2 id="doors-title">Doors</h2>
        {isAdmin ? (
          <DoorForms doors={data.doors} />
        ) : (
          <ul>
            {data.doors.map((d) => (
              <li key={d.id}>
                {d.name}
                {d.location ? ` · ${d.location}` : ''}
              </li>
            ))}
          </ul>
        )}
      </section>
      {isAdmin && data.apiKeys && data.admins && (
        <>
          <section className="panel" aria-labelledby="keys-title">
            <h2 id="keys-title">API keys</h2>
            <ApiKeyForms keys={data.apiKeys} doors={data.doors} />
          </section>
          <section className="panel" aria-labelledby="admins-title">
            <h2 id="admins-title">Administrators and viewers</h2>
            <AdminForms admins={data.admins} myId={me.id} />
          </section>
        </>
      )}
    </>
  );
}
