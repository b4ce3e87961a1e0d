'use client';

import { useActionState, useRef, useTransition, type FormEvent } from 'react';
import { FormFeedback } from '@/components/form-feedback';
import { SubmitButton } from '@/components/submit-button';
import type { Door } from '@/lib/types';
import {
  createAdmin,
  createApiKey,
  createDoor,
  deleteDoor,
  previewSettings,
  removeAdmin,
  revokeApiKey,
  setViewerFacesRead,
  updateSettings,
} from './actions';
import { DoorSelect } from '@/components/door-select';
import { ThresholdPreview } from './threshold-preview';
import { LocalTime } from '@/components/local-time';

/** Asks before a form that cannot be undone is sent (keyboard and screen readers get the browser's dialog). */
function confirmFirst(question: string) {
  return (event: FormEvent<HTMLFormElement>) => {
    if (!window.confirm(question)) event.preventDefault();
  };
}

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

type Account = { id: string; email: string; role: string; createdAt: string; facesRead: boolean };

/** Whether a viewer sees face images: shown or hidden, and the button that changes it (administrators always see them). */
function FacesReadForm({ account, action }: { account: Account; action: (form: FormData) => void }) {
  if (account.role === 'ADMIN') return <span>always shown</span>;
  return (
    <form action={action} className="row" style={{ gap: '0.4rem', alignItems: 'center' }}>
      <span data-testid="faces-read">{account.facesRead ? 'shown' : 'hidden'}</span>
      <input type="hidden" name="id" value={account.id} />
      <input type="hidden" name="label" value={account.email} />
      <input type="hidden" name="facesRead" value={account.facesRead ? 'false' : 'true'} />
      <SubmitButton
        className="secondary"
        pending="Saving…"
        label={account.facesRead ? `Hide face images from ${account.email}` : `Show face images to ${account.email}`}
      >
        {account.facesRead ? 'Hide' : 'Show'}
      </SubmitButton>
    </form>
  );
}

export function AdminForms({ admins, myId }: { admins: Account[]; myId: string }) {
  const [state, action] = useActionState(createAdmin, {});
  const [removed, remove] = useActionState(removeAdmin, {});
  const [facesChanged, changeFaces] = useActionState(setViewerFacesRead, {});
  return (
    <>
      <div className="table-wrap">
        <table className="cards-on-phone">
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Face images</th>
              <th scope="col">Since</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {admins.map((a) => (
              <tr key={a.id}>
                <td data-label="Email">{a.email}</td>
                <td data-label="Role">{a.role === 'ADMIN' ? 'administrator' : 'viewer (read-only)'}</td>
                <td data-label="Face images">
                  <FacesReadForm account={a} action={changeFaces} />
                </td>
                <td data-label="Since">{a.createdAt.slice(0, 10)}</td>
                <td data-label="">
                  {a.id === myId ? (
                    <span className="muted">you</span>
                  ) : (
                    <form action={remove} onSubmit={confirmFirst(`Remove the account ${a.email}? They can no longer sign in.`)}>
                      <input type="hidden" name="id" value={a.id} />
                      <input type="hidden" name="label" value={a.email} />
                      <SubmitButton className="secondary" pending="Removing…" label={`Remove ${a.email}`}>
                        Remove
                      </SubmitButton>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <FormFeedback state={removed} />
      <FormFeedback state={facesChanged} />
      <p className="hint">
        Face images are the faces in people&apos;s photos, in the audit log and at the doors. A new viewer does not see them until you
        choose Show; administrators always do. Each change is in the administrators&apos; log.
      </p>
      <form action={action} style={{ marginTop: '1rem' }}>
        <h3>New account</h3>
        <div className="row">
          <div className="field">
            <label htmlFor="admin-email">Email</label>
            <input id="admin-email" name="email" type="email" required autoComplete="off" />
          </div>
          <div className="field">
            <label htmlFor="admin-password">
              Password <span className="hint">10 characters or more</span>
            </label>
            <input id="admin-password" name="password" type="password" required minLength={10} autoComplete="new-password" />
          </div>
          <div className="field">
            <label htmlFor="admin-current-password">
              Your password <span className="hint">asked again to add an account</span>
            </label>
            <input id="admin-current-password" name="currentPassword" type="password" required autoComplete="current-password" />
          </div>
          <div className="field">
            <label htmlFor="admin-role">Role</label>
            <select id="admin-role" name="role" defaultValue="VIEWER">
              <option value="VIEWER">Viewer (read-only)</option>
              <option value="ADMIN">Administrator</option>
            </select>
          </div>
          <div className="field">
            <label>
              <input type="checkbox" name="facesRead" /> A viewer sees face images
            </label>
          </div>
          <SubmitButton pending="Adding…">Add account</SubmitButton>
        </div>
        <FormFeedback state={state} />
      </form>
    </>
  );
}
