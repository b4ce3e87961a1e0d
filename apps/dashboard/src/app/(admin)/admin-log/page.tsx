import type { Metadata } from 'next';
import Link from 'next/link';
import { graphql } from '@/generated';
import type { AdminLogQuery } from '@/generated/graphql';
import { safeRead } from '@/lib/api';
import { currentUser } from '@/lib/session';
import { ErrorPanel } from '@/components/error-panel';
import { LocalTime, TimeZoneNote } from '@/components/local-time';
import { ACTIONS, detailText, settingChanges } from '@/lib/admin-log-text';

export const metadata: Metadata = { title: "Administrators' log" };

const PAGE = 50;

const AdminLogDocument = graphql(`
  query AdminLog($action: String, $first: Int, $after: String) {
    adminActions(action: $action, first: $first, after: $after) {
      totalCount
      pageInfo {
        ...NextPage
      }
      edges {
        node {
          id
          createdAt
          actorKind
          actorLabel
          action
          targetType
          targetId
          targetLabel
          personId
          details
        }
      }
    }
  }
`);

type Action = AdminLogQuery['adminActions']['edges'][number]['node'];

function parse(json: string): Record<string, unknown> {
  try {
    return JSON.parse(json) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** What changed, in words (settings before → after), and the raw record behind a toggle. */
function Details({ a }: { a: Action }) {
  const d = parse(a.details);
  const changes = a.action === 'updateSettings' ? settingChanges(d) : [];
  const text = detailText(a.action, d);
  return (
    <>
      {changes.length > 0 && (
        <ul className="plain-list" data-testid="setting-changes">
          {changes.map((c) => (
            <li key={c.name}>
              {c.name}: {c.before} → <strong>{c.after}</strong>
            </li>
          ))}
        </ul>
      )}
      {text && <span>{text}</span>}
      {a.details !== '{}' && (
        <details className="raw-record">
          <summary>Raw record</summary>
          <pre>
            {JSON.stringify(
              { action: a.action, targetType: a.targetType, targetId: a.targetId, personId: a.personId, details: d },
              null,
              2,
            )}
          </pre>
        </details>
      )}
    </>
  );
}

function Target({ a }: { a: Action }) {
  // Never a bare id: the name, or what kind of thing it was.
  const label =
    a.targetLabel ?? (a.targetType === 'settings' ? null : a.targetType ? `a ${a.targetType.replace('_', ' ')} (no longer there)` : null);
  if (!label) return <span className="muted">—</span>;
  if (a.personId) return <Link href={`/people/${a.personId}`}>{label}</Link>;
  if (a.targetLabel?.startsWith('erased-')) return <span title="This person was erased: the log keeps a pseudonym">{label}</span>;
  return <span>{label}</span>;
}

export default async function AdminLogPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const me = await currentUser();
  const params = await searchParams;
  if (me?.role !== 'ADMIN') {
    return (
      <>
        <h1>Administrators’ log</h1>
        <p className="alert warn">Only administrators read this log.</p>
      </>
    );
  }
  const action = typeof params.action === 'string' && params.action in ACTIONS ? params.action : null;
  const after = typeof params.after === 'string' ? params.after : null;
  const result = await safeRead(AdminLogDocument, { action, first: PAGE, after });
  if (!result.data) return <ErrorPanel message={result.error} />;
  const { adminActions } = result.data;
  const base = action ? `/admin-log?action=${action}` : '/admin-log';
  return (
    <>
      <h1>Administrators’ log</h1>
      <p className="lead">
        Who enrolled, erased, changed settings, keys, doors and access, imported or added faces from the doors; newest first. Sign-ins are
        in the <Link href="/security">security log</Link>, door attempts in the audit log.
      </p>
      <form className="panel row" action="/admin-log" aria-label="Filter">
        <div className="field">
          <label htmlFor="f-action">Action</label>
          <select id="f-action" name="action" defaultValue={action ?? ''}>
            <option value="">Every action</option>
            {Object.entries(ACTIONS).map(([k, v]) => (
              <option key={k} value={k}>
                {v}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Show</button>
      </form>
      <section className="panel" aria-labelledby="log-title">
        <h2 id="log-title">
          {adminActions.totalCount} {adminActions.totalCount === 1 ? 'action' : 'actions'}
        </h2>
        <p className="hint">
          <TimeZoneNote /> An erased person appears under the pseudonym the audit log gives them.
        </p>
        {adminActions.edges.length === 0 ? (
          <p className="muted">Nothing yet.</p>
        ) : (
          <div className="table-wrap">
            <table className="cards-on-phone" data-testid="admin-log">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Who</th>
                  <th scope="col">Did</th>
                  <th scope="col">To</th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {adminActions.edges.map(({ node: a }) => (
                  <tr key={a.id} data-testid="admin-log-row">
                    <td data-label="Time" style={{ whiteSpace: 'nowrap' }}>
                      <LocalTime iso={a.createdAt} />
                    </td>
                    <td data-label="Who">
                      {a.actorKind === 'api_key'
                        ? `key “${a.actorLabel ?? '?'}”`
                        : a.actorKind === 'system'
                          ? 'facegate command'
                          : (a.actorLabel ?? '—')}
                    </td>
                    <td data-label="Did">{ACTIONS[a.action] ?? a.action}</td>
                    <td data-label="To">
                      <Target a={a} />
                    </td>
                    <td data-label="Details" className="details-cell">
                      <Details a={a} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <nav className="row" aria-label="Log pages">
          {after && <Link href={base}>Newest</Link>}
          {adminActions.pageInfo.hasNextPage && adminActions.pageInfo.endCursor && (
            <Link href={`${base}${action ? '&' : '?'}after=${encodeURIComponent(adminActions.pageInfo.endCursor)}`}>Older →</Link>
          )}
        </nav>
      </section>
    </>
  );
}
