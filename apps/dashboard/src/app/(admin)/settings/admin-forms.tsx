'use client';

import { useActionState } from 'react';
import { FormFeedback } from '@/components/form-feedback';
import { SubmitButton } from '@/components/submit-button';
import { createAdmin, removeAdmin, setViewerFacesRead } from './actions';
import { confirmFirst } from './confirm-first';

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
