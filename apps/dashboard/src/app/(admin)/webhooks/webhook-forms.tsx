'use client';

import Link from 'next/link';
import { useActionState, type FormEvent } from 'react';
import type { WebhookLogQuery } from '@/generated/graphql';
import { FormFeedback } from '@/components/form-feedback';
import { LocalTime } from '@/components/local-time';
import { SubmitButton } from '@/components/submit-button';
import { createWebhook, deleteWebhook, replayDelivery, setWebhookActive, testWebhook } from './actions';
import { DECISIONS, filterText, type WebhookRow } from './webhook-text';

/** One delivery of the log ([id]/page.tsx's WebhookLog query). */
export type DeliveryRow = WebhookLogQuery['webhookDeliveries'][number];

/** Asks before a form that cannot be undone is sent. */
function confirmFirst(question: string) {
  return (event: FormEvent<HTMLFormElement>) => {
    if (!window.confirm(question)) event.preventDefault();
  };
}

export function WebhookList({ webhooks, doors }: { webhooks: WebhookRow[]; doors: { id: string; name: string }[] }) {
  const [deleted, remove] = useActionState(deleteWebhook, {});
  const [paused, pause] = useActionState(setWebhookActive, {});
  const [tested, test] = useActionState(testWebhook, {});
  return (
    <>
      {webhooks.length === 0 ? (
        <p className="muted">No webhook yet: nothing is sent anywhere over HTTP.</p>
      ) : (
        <ul className="plain-list" aria-label="Webhooks">
          {webhooks.map((w) => (
            <li key={w.id} className="item-card" data-testid="webhook">
              <div className="item-head">
                <h3>
                  <Link href={`/webhooks/${w.id}`}>{w.name}</Link>
                </h3>
                <span className={`badge ${w.active ? 'ACCEPTED' : 'ERROR'}`}>{w.active ? 'active' : 'paused'}</span>
              </div>
              <p className="url">
                <code>{w.url}</code>
              </p>
              <p className="muted">
                Sent {filterText(w, doors)} · since <LocalTime iso={w.createdAt} seconds={false} />
              </p>
              <div className="row actions">
                <Link className="button secondary" href={`/webhooks/${w.id}`} aria-label={`Delivery log of ${w.name}`}>
                  Delivery log
                </Link>
                <form action={test}>
                  <input type="hidden" name="id" value={w.id} />
                  <input type="hidden" name="label" value={w.name} />
                  <SubmitButton className="secondary" pending="Sending…" label={`Send a test message to ${w.name}`}>
                    Send a test
                  </SubmitButton>
                </form>
                <form action={pause}>
                  <input type="hidden" name="id" value={w.id} />
                  <input type="hidden" name="label" value={w.name} />
                  <input type="hidden" name="active" value={String(!w.active)} />
                  <SubmitButton className="secondary" pending="Saving…" label={`${w.active ? 'Pause' : 'Resume'} ${w.name}`}>
                    {w.active ? 'Pause' : 'Resume'}
                  </SubmitButton>
                </form>
                <form
                  action={remove}
                  onSubmit={confirmFirst(`Delete the webhook “${w.name}” and its delivery log? Deliveries still waiting are dropped.`)}
                >
                  <input type="hidden" name="id" value={w.id} />
                  <input type="hidden" name="label" value={w.name} />
                  <SubmitButton className="danger" pending="Deleting…" label={`Delete webhook ${w.name}`}>
                    Delete
                  </SubmitButton>
                </form>
              </div>
            </li>
          ))}
        </ul>
      )}
      <FormFeedback state={deleted} />
      <FormFeedback state={paused} />
      <FormFeedback state={tested} />
    </>
  );
}

export function NewWebhookForm({ doors }: { doors: { id: string; name: string }[] }) {
  const [state, action] = useActionState(createWebhook, {});
  return (
    <>
      {state.secret && (
        <div className="alert ok" role="status" data-testid="new-webhook-secret">
          <p>
            <strong>Copy the signing secret of “{state.secret.name}” now: it is shown this once.</strong> The receiver checks{' '}
            <code>X-Facegate-Signature</code> with it.
          </p>
          <p className="secret">{state.secret.secret}</p>
        </div>
      )}
      <form action={action} aria-label="New webhook">
        <div className="row">
          <div className="field">
            <label htmlFor="webhook-name">Name</label>
            <input id="webhook-name" name="name" type="text" required maxLength={200} placeholder="Home Assistant" />
          </div>
          <div className="field grow">
            <label htmlFor="webhook-url">
              URL <span className="hint">https://…, no password in it</span>
            </label>
            <input id="webhook-url" name="url" type="url" required maxLength={2000} placeholder="https://example.org/facegate" />
          </div>
        </div>
        <fieldset style={{ marginTop: '0.75rem' }}>
          <legend>Decisions sent (none ticked: all)</legend>
          <div className="checks">
            {DECISIONS.map(([value, label]) => (
              <label key={value}>
                <input type="checkbox" name="decisions" value={value} /> {label}
              </label>
            ))}
          </div>
        </fieldset>
        {doors.length > 0 && (
          <fieldset>
            <legend>Doors (none ticked: every door)</legend>
            <div className="checks">
              {doors.map((d) => (
                <label key={d.id}>
                  <input type="checkbox" name="doorIds" value={d.id} /> {d.name}
                </label>
              ))}
            </div>
          </fieldset>
        )}
        <SubmitButton pending="Creating…">Create webhook</SubmitButton>
        <FormFeedback state={state} />
      </form>
    </>
  );
}

/** A delivery's message in a few words: its type, decision and person named (if any). */
function summary(payload: string): string {
  try {
    const p = JSON.parse(payload) as { type?: string; decision?: string; personName?: string | null; doorName?: string | null };
    if (p.type === 'webhook.test') return 'test message';
    return [
      p.type === 'attempt.completed' ? 'step-up completed' : 'attempt',
      p.decision,
      p.personName,
      p.doorName ? `at ${p.doorName}` : null,
    ]
      .filter(Boolean)
      .join(' · ');
  } catch {
    return 'unreadable body';
  }
}

const STATUS_CLASS = { PENDING: 'STEP_UP', DELIVERED: 'ACCEPTED', FAILED: 'REFUSED' } as const;

export function DeliveryLog({ deliveries, canReplay }: { deliveries: DeliveryRow[]; canReplay: boolean }) {
  const [replayed, replay] = useActionState(replayDelivery, {});
  return (
    <>
      <FormFeedback state={replayed} />
      {deliveries.length === 0 ? (
        <p className="muted">Nothing sent yet: deliveries appear here after the next attempt (or a test).</p>
      ) : (
        <div className="table-wrap">
          <table className="cards-on-phone" data-testid="delivery-log">
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Message</th>
                <th scope="col">Status</th>
                <th scope="col">Tries</th>
                <th scope="col">Last answer</th>
                <th scope="col">Delivered / next try</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((d) => (
                <tr key={d.id} data-testid="delivery">
                  <td data-label="Created">
                    <LocalTime iso={d.createdAt} />
                  </td>
                  <td data-label="Message">
                    <span>
                      {summary(d.payload)}
                      {d.attemptId && (
                        <>
                          <br />
                          <Link href={`/audit/${d.attemptId}`} style={{ fontSize: '0.8rem' }} aria-label={`Audit event ${d.attemptId}`}>
                            attempt {d.attemptId}
                          </Link>
                        </>
                      )}
                    </span>
                  </td>
                  <td data-label="Status" className="decision-cell">
                    <span className={`badge ${STATUS_CLASS[d.status]}`}>{d.status.toLowerCase()}</span>
                  </td>
                  <td data-label="Tries">{d.attempts}</td>
                  <td data-label="Last answer">
                    <span>
                      {d.lastStatus !== null ? `HTTP ${d.lastStatus}` : d.attempts > 0 ? 'no answer' : '—'}
                      {d.lastError && d.lastError !== `HTTP ${d.lastStatus}` && (
                        <>
                          <br />
                          <span className="muted" style={{ fontSize: '0.8rem' }}>
                            {d.lastError}
                          </span>
                        </>
                      )}
                    </span>
                  </td>
                  <td data-label={d.status === 'PENDING' ? 'Next try' : 'Delivered'}>
                    {d.deliveredAt ? (
                      <LocalTime iso={d.deliveredAt} />
                    ) : d.nextAttemptAt ? (
                      <LocalTime iso={d.nextAttemptAt} />
                    ) : (
                      <span className="muted">{d.status === 'FAILED' ? 'never: gave up' : '—'}</span>
                    )}
                  </td>
                  <td data-label="">
                    {canReplay && d.status !== 'PENDING' && (
                      <form action={replay}>
                        <input type="hidden" name="id" value={d.id} />
                        <SubmitButton className="secondary" pending="Sending…" label={`Replay the delivery of ${d.createdAt}`}>
                          Replay
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
    </>
  );
}
