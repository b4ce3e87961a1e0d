import type { Metadata } from 'next';
import { graphql } from '@/generated';
import { safeRead } from '@/lib/api';
import { currentUser } from '@/lib/session';
import { ErrorPanel } from '@/components/error-panel';
import { LocalTime, TimeZoneNote } from '@/components/local-time';

export const metadata: Metadata = { title: 'Security log' };

const SecurityEventsDocument = graphql(`
  query SecurityEvents($kind: String, $account: String) {
    securityEvents(kind: $kind, account: $account, first: 200) {
      id
      createdAt
      kind
      account
      address
    }
  }
`);

/** What the API records (services/sign-in/security-log.ts), in words; `failure` ones are shown as refusals. */
const KINDS: Record<string, { text: string; failure?: boolean }> = {
  login_failed: { text: 'sign-in failed (wrong email or password)', failure: true },
  login_throttled: { text: 'sign-in refused: too many failures', failure: true },
  second_factor_failed: { text: 'wrong second-factor code', failure: true },
  login_pending: { text: 'sign-in started, not finished' },
  login_succeeded: { text: 'signed in' },
  second_factor_required: { text: 'password right, second factor asked' },
  recovery_code_used: { text: 'signed in with a recovery code' },
  second_factor_enrolled: { text: 'second factor set up' },
  second_factor_disabled: { text: 'second factor turned off' },
  signed_out: { text: 'signed out' },
  sessions_revoked: { text: 'sessions ended by an administrator' },
  password_changed: { text: 'password changed' },
};
const kindText = (kind: string) => KINDS[kind]?.text ?? kind.replaceAll('_', ' ');

export default async function SecurityLogPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const me = await currentUser();
  if (me?.role !== 'ADMIN') {
    return (
      <>
        <h1>Security log</h1>
        <p className="alert warn">Only administrators read this log.</p>
      </>
    );
  }
  const params = await searchParams;
  const kind = typeof params.kind === 'string' && params.kind in KINDS ? params.kind : null;
  const account = typeof params.account === 'string' && params.account.trim() ? params.account.trim().slice(0, 254) : null;
  const result = await safeRead(SecurityEventsDocument, { kind, account });
  if (!result.data) return <ErrorPanel message={result.error} />;
  const events = result.data.securityEvents;
  const failures = events.filter((e) => KINDS[e.kind]?.failure).length;
  return (
    <>
      <h1>Security log</h1>
      <p className="lead">
        Sign-ins to the dashboard and the API: failed and throttled sign-ins, wrong second-factor codes, sign-outs, sessions ended,
        passwords and second factors changed; newest first. Door attempts are in the audit log, administrators&apos; changes in the admin
        log.
      </p>
      <form className="panel row" action="/security" aria-label="Filter">
        <div className="field">
          <label htmlFor="f-kind">What</label>
          <select id="f-kind" name="kind" defaultValue={kind ?? ''}>
            <option value="">Everything</option>
            {Object.entries(KINDS).map(([k, v]) => (
              <option key={k} value={k}>
                {v.text}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-account">Account (email)</label>
          <input id="f-account" name="account" type="text" defaultValue={account ?? ''} />
        </div>
        <button type="submit">Show</button>
      </form>
      <section className="panel" aria-labelledby="security-title">
        <h2 id="security-title">
          {events.length === 200 ? 'The last 200 entries' : `${events.length} ${events.length === 1 ? 'entry' : 'entries'}`}
          {failures > 0 ? `, ${failures} ${failures === 1 ? 'failure' : 'failures'}` : ''}
        </h2>
        <p className="hint">
          <TimeZoneNote /> The address is the client&apos;s, as the API saw it.
        </p>
        {events.length === 0 ? (
          <p className="muted">Nothing recorded.</p>
        ) : (
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Security log entries">
            <table className="cards-on-phone" data-testid="security-log">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">What</th>
                  <th scope="col">Account</th>
                  <th scope="col">Address</th>
                </tr>
              </thead>
              <tbody>
                {events.map((e) => (
                  <tr key={e.id} data-testid="security-row" data-kind={e.kind}>
                    <td data-label="Time" style={{ whiteSpace: 'nowrap' }}>
                      <LocalTime iso={e.createdAt} />
                    </td>
                    <td data-label="What">
                      {KINDS[e.kind]?.failure ? <span className="badge REFUSED">{kindText(e.kind)}</span> : kindText(e.kind)}
                    </td>
                    <td data-label="Account" style={{ overflowWrap: 'anywhere' }}>
                      {e.account ?? '—'}
                    </td>
                    <td data-label="Address" style={{ overflowWrap: 'anywhere' }}>
                      {e.address ?? '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
