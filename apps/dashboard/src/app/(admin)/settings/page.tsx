import type { Metadata } from 'next';
import { safeRead } from '@/lib/api';
import { requireUser } from '@/lib/session';
import type { Door } from '@/lib/types';
import { ErrorPanel } from '@/components/error-panel';
import { AdminForms } from './admin-forms';
import { ApiKeyForms, DoorForms, ThresholdForm, type RecognitionSettings } from './settings-forms';

/** A fixed threshold further than this from the calibrated one gets a banner (the same step the preview warns of). */
const FAR_FROM_CALIBRATED = 0.05;

export const metadata: Metadata = { title: 'Settings' };

type ApiKey = {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  door: { name: string } | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
};

export default async function SettingsPage() {
  const me = await requireUser();
  const isAdmin = me.role === 'ADMIN';
  const { data, error } = await safeRead<{
    settings: RecognitionSettings;
    doors: Door[];
    apiKeys?: ApiKey[];
    admins?: { id: string; email: string; role: string; createdAt: string; facesRead: boolean }[];
  }>(`{
    settings { threshold thresholdOverride calibratedThreshold falseAcceptOneIn stepUp rule liveness rateLimitPerMinute }
    doors { id name location }
    ${isAdmin ? 'apiKeys { id name prefix scopes door { name } createdAt lastUsedAt revokedAt } admins { id email role createdAt facesRead }' : ''}
  }`);
  if (!data) return <ErrorPanel message={error} />;
  return (
    <>
      <h1>Settings</h1>
      {!isAdmin && (
        <p className="alert warn">
          You are signed in as a viewer: you can look, not change. API keys and accounts are shown to administrators only.
        </p>
      )}
      {Math.abs(data.settings.threshold - data.settings.calibratedThreshold) > FAR_FROM_CALIBRATED && (
        // A fixed threshold far from the calibration: said on every visit, not only while previewing a change.
        <p
          role="status"
          className={`alert ${data.settings.threshold > data.settings.calibratedThreshold ? 'error' : 'warn'}`}
          data-testid="threshold-banner"
        >
          <strong>The threshold is far from the calibrated one:</strong> {data.settings.threshold.toFixed(3)} is fixed, while the
          false-accept target of 1 in {data.settings.falseAcceptOneIn.toLocaleString('en')} calibrates to{' '}
          {data.settings.calibratedThreshold.toFixed(3)}.{' '}
          {data.settings.threshold > data.settings.calibratedThreshold
            ? 'Strangers are let in far more often than the target says.'
            : 'More enrolled people are refused than the target needs.'}
          {isAdmin ? ' Empty the fixed threshold below to go back to the calibrated one.' : ''}
        </p>
      )}
      <section className="panel" aria-labelledby="recognition-title">
        <h2 id="recognition-title">Recognition</h2>
        {isAdmin ? (
          <ThresholdForm settings={data.settings} />
        ) : (
          <p>
            Threshold <strong>{data.settings.threshold.toFixed(3)}</strong> (
            {data.settings.thresholdOverride === null
              ? `calibrated for 1 in ${data.settings.falseAcceptOneIn.toLocaleString('en')}`
              : 'fixed'}
            ) · rule {data.settings.rule.toLowerCase().replace('_', ' ')} · {data.settings.rateLimitPerMinute} attempts per minute per
            caller
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
