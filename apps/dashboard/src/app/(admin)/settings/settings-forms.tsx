'use client';

import { useActionState, useRef, useTransition, type FormEvent } from 'react';
import { confirmFirst } from './confirm-first';
import { FormFeedback } from '@/components/form-feedback';
import { SubmitButton } from '@/components/submit-button';
import type { Door } from '@/lib/types';
import { createApiKey, createDoor, deleteDoor, previewSettings, revokeApiKey, updateSettings } from './actions';
import { DoorSelect } from '@/components/door-select';
import { ThresholdPreview } from './threshold-preview';
import { LocalTime } from '@/components/local-time';

export interface RecognitionSettings {
  threshold: number;
  thresholdOverride: number | null;
  calibratedThreshold: number;
  falseAcceptOneIn: number;
  stepUp: boolean;
  rule: string;
  liveness: string;
  rateLimitPerMinute: number;
}

export function ThresholdForm({ settings }: { settings: RecognitionSettings }) {
  const [state, action] = useActionState(updateSettings, {});
  const [preview, previewAction] = useActionState(previewSettings, {});
  const [previewing, startPreview] = useTransition();
  const [saving, startSave] = useTransition();
  const form = useRef<HTMLFormElement>(null);
  // Sent outside the form's submission, so the form keeps what was typed (a sent form is reset).
  const runPreview = () => {
    if (form.current) startPreview(() => previewAction(new FormData(form.current!)));
  };
  // Saved by hand too: a change refused for want of a confirmation keeps what was typed.
  const save = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    startSave(() => action(data));
  };
  // The warnings of the last preview or of a refused save: the change is saved only once confirmed.
  const savedSince = state.ok && (state.at ?? 0) > (preview.at ?? 0);
  const shown = state.needsConfirmation ? state.preview : savedSince ? undefined : preview.preview;
  const warnings = shown?.warnings ?? [];
  return (
    <form onSubmit={save} ref={form}>
      <div className="row">
        <div className="field">
          <label htmlFor="falseAcceptOneIn">
            False accepts <span className="hint">a stranger taken for one person</span>
          </label>
          <select id="falseAcceptOneIn" name="falseAcceptOneIn" defaultValue={String(settings.falseAcceptOneIn)}>
            <option value="1000">1 in 1,000</option>
            <option value="10000">1 in 10,000</option>
            <option value="100000">1 in 100,000</option>
            <option value="1000000">1 in 1,000,000</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="threshold">
            Fixed threshold <span className="hint">empty: calibrated</span>
          </label>
          <input
            id="threshold"
            name="threshold"
            type="number"
            step="0.001"
            min="0.05"
            max="1.5"
            placeholder={settings.threshold.toFixed(3)}
            defaultValue={settings.thresholdOverride ?? ''}
            style={{ maxWidth: '9rem' }}
          />
        </div>
        <div className="field">
          <label htmlFor="rule">Matching rule</label>
          <select id="rule" name="rule" defaultValue={settings.rule}>
            <option value="SOFT_NEAREST">Soft nearest sample</option>
            <option value="NEAREST">Nearest sample</option>
            <option value="CENTROID">Centroid of the samples</option>
            <option value="MEAN_DISTANCE">Mean distance to the samples</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="liveness">Printed photo / screen check</label>
          <select id="liveness" name="liveness" defaultValue={settings.liveness}>
            <option value="OFF">Off</option>
            <option value="BALANCED">Balanced</option>
            <option value="STRICT">Strict</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="rateLimitPerMinute">Attempts per minute per caller</label>
          <input
            id="rateLimitPerMinute"
            name="rateLimitPerMinute"
            type="number"
            min="1"
            step="1"
            required
            defaultValue={settings.rateLimitPerMinute}
            style={{ maxWidth: '9rem' }}
          />
        </div>
        <div className="field">
          <label htmlFor="stepUp">
            <input id="stepUp" name="stepUp" type="checkbox" defaultChecked={settings.stepUp} /> Ask for a second factor when unsure
          </label>
        </div>
        <button type="button" className="secondary" onClick={runPreview} disabled={previewing} aria-busy={previewing}>
          {previewing ? 'Previewing…' : 'Preview'}
        </button>
        <button type="submit" disabled={saving} aria-busy={saving}>
          {saving ? 'Saving…' : 'Save'}
        </button>
      </div>
      <div data-testid="settings-preview">
        <FormFeedback state={preview} />
        {shown && <ThresholdPreview preview={shown} />}
        {warnings.length > 0 && (
          <div className="field">
            <label htmlFor="confirmLargeChange">
              <input id="confirmLargeChange" name="confirmLargeChange" type="checkbox" /> I have read the warning: save this threshold
              anyway
            </label>
          </div>
        )}
      </div>
      <p className="hint">
        The threshold follows from the false-accept target, calibrated for the face encoder; identification tightens it further as the
        gallery grows, so that at most 1 % of strangers are let in. A rarer target keeps more strangers out and refuses more employees.
      </p>
      <FormFeedback state={state} />
    </form>
  );
}

export function DoorForms({ doors }: { doors: Door[] }) {
  const [state, action] = useActionState(createDoor, {});
  const [deleted, remove] = useActionState(deleteDoor, {});
  return (
    <>
      {doors.length === 0 ? (
        <p className="muted">No door yet.</p>
      ) : (
        <ul>
          {doors.map((d) => (
            <li key={d.id} style={{ marginBottom: '0.3rem' }}>
              <form
                action={remove}
                onSubmit={confirmFirst(`Delete the door “${d.name}”? Its past audit rows keep no door name.`)}
                className="row"
                style={{ alignItems: 'center' }}
              >
                <span>
                  <strong>{d.name}</strong>
                  {d.location ? <span className="muted"> · {d.location}</span> : null}
                </span>
                <input type="hidden" name="id" value={d.id} />
                <input type="hidden" name="label" value={d.name} />
                <SubmitButton className="secondary" pending="Deleting…" label={`Delete door ${d.name}`}>
                  Delete
                </SubmitButton>
              </form>
            </li>
          ))}
        </ul>
      )}
      <FormFeedback state={deleted} />
      <form action={action} className="row">
        <div className="field">
          <label htmlFor="door-name">New door</label>
          <input id="door-name" name="name" type="text" required placeholder="Front door" />
        </div>
        <div className="field">
          <label htmlFor="door-location">
            Location <span className="hint">optional</span>
          </label>
          <input id="door-location" name="location" type="text" placeholder="Ground floor" />
        </div>
        <SubmitButton pending="Adding…">Add door</SubmitButton>
      </form>
      <FormFeedback state={state} />
    </>
  );
}

const SCOPES = [
  ['VERIFY', 'verify (door, with card)'],
  ['IDENTIFY', 'identify (door, without card)'],
  ['PEOPLE_READ', 'people:read'],
  ['AUDIT_READ', 'audit:read'],
  ['ADMIN', 'admin (everything)'],
] as const;

export function ApiKeyForms({
  keys,
  doors,
}: {
  keys: {
    id: string;
    name: string;
    prefix: string;
    scopes: string[];
    door: { name: string } | null;
    createdAt: string;
    lastUsedAt: string | null;
    revokedAt: string | null;
  }[];
  doors: Door[];
}) {
  const [state, action] = useActionState(createApiKey, {});
  const [revoked, revoke] = useActionState(revokeApiKey, {});
  return (
    <>
      {state.secret && (
        <div className="alert ok" role="status" data-testid="new-secret">
          <p>
            <strong>Copy the secret of “{state.secret.name}” now: it is shown this once.</strong> Send it as{' '}
            <code>Authorization: Bearer …</code>.
          </p>
          <p className="secret">{state.secret.token}</p>
        </div>
      )}
      {keys.length === 0 ? (
        <p className="muted">No API key yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="cards-on-phone">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Prefix</th>
                <th scope="col">Scopes</th>
                <th scope="col">Door</th>
                <th scope="col">Last used</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.id}>
                  <td data-label="Name">{k.name}</td>
                  <td data-label="Prefix">
                    <code>{k.prefix}…</code>
                  </td>
                  <td data-label="Scopes">{k.scopes.map((s) => s.toLowerCase().replace('_', ':')).join(', ')}</td>
                  <td data-label="Door">{k.door?.name ?? 'any'}</td>
                  <td data-label="Last used">{k.lastUsedAt ? <LocalTime iso={k.lastUsedAt} seconds={false} /> : 'never'}</td>
                  <td data-label="State">
                    {k.revokedAt ? (
                      <span className="badge REFUSED">revoked</span>
                    ) : (
                      <form action={revoke} onSubmit={confirmFirst(`Revoke the key “${k.name}”? Whatever uses it stops working at once.`)}>
                        <input type="hidden" name="id" value={k.id} />
                        <input type="hidden" name="label" value={k.name} />
                        <SubmitButton className="secondary" pending="Revoking…" label={`Revoke key ${k.name}`}>
                          Revoke
                        </SubmitButton>
                      </form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <FormFeedback state={revoked} />
      <form action={action} style={{ marginTop: '1rem' }}>
        <h3>New API key</h3>
        <div className="row">
          <div className="field">
            <label htmlFor="key-name">Name</label>
            <input id="key-name" name="name" type="text" required placeholder="Front door reader" />
          </div>
          <div className="field">
            <label htmlFor="key-door">Bound to door</label>
            <DoorSelect id="key-door" doors={doors} emptyLabel="Any door" />
          </div>
        </div>
        <fieldset style={{ marginTop: '0.75rem' }}>
          <legend>Scopes</legend>
          <div className="checks">
            {SCOPES.map(([value, label]) => (
              <label key={value}>
                <input type="checkbox" name="scopes" value={value} defaultChecked={value === 'VERIFY' || value === 'IDENTIFY'} /> {label}
              </label>
            ))}
          </div>
        </fieldset>
        <SubmitButton pending="Creating…">Create key</SubmitButton>
        {state.error && (
          <p role="alert" className="alert error">
            {state.error}
          </p>
        )}
      </form>
    </>
  );
}
