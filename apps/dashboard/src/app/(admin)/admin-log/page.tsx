import type { Metadata } from 'next';
import Link from 'next/link';
import { safeRead } from '@/lib/api';
import { currentUser } from '@/lib/session';
import { ErrorPanel } from '@/components/error-panel';
import { LocalTime, TimeZoneNote } from '@/components/local-time';

export const metadata: Metadata = { title: "Administrators' log" };

const PAGE = 50;

interface Action {
  id: string;
  createdAt: string;
  actorKind: string;
  actorLabel: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  targetLabel: string | null;
  personId: string | null;
  details: string;
}

/** The mutation's name in words ("createApiKey" -> "created an API key"). */
const ACTIONS: Record<string, string> = {
  createPerson: 'created a person',
  updatePerson: 'changed a person',
  deletePerson: 'erased a person',
  enrollFaces: 'enrolled photos',
  removeFaceSample: 'removed a face sample',
  learnFacesFromDoors: 'added faces from the doors',
  importPerson: 'imported in bulk',
  updateSettings: 'changed the settings',
  createApiKey: 'created an API key',
  revokeApiKey: 'revoked an API key',
  createAdmin: 'created an administrator',
  removeAdmin: 'removed an administrator',
  revokeSessions: 'ended sessions',
  createDoor: 'created a door',
  updateDoor: 'changed a door',
  deleteDoor: 'deleted a door',
  createAccessGroup: 'created a group',
  deleteAccessGroup: 'deleted a group',
  addGroupMembers: 'added to a group',
  removeGroupMembers: 'removed from a group',
  allowGroupAtDoor: 'allowed a group at a door',
  disallowGroupAtDoor: 'disallowed a group at a door',
  saveSchedule: 'saved a schedule',
  deleteSchedule: 'deleted a schedule',
  issueVisitorPass: 'issued a visitor pass',
  revokeVisitorPass: 'revoked a visitor pass',
  setPersonPin: 'set a PIN',
  clearPersonPin: 'cleared a PIN',
  createWebhook: 'created a webhook',
  updateWebhook: 'changed a webhook',
  deleteWebhook: 'deleted a webhook',
  testWebhook: 'tested a webhook',
  replayWebhookDelivery: 'replayed a webhook delivery',
};

/** The details as short "key: value" pairs (ids shortened). */
function details(json: string): string {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  return Object.entries(value)
    .filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0))
    // Lists of ids say how many; other values as they are.
    .map(([k, v]) => `${k}: ${Array.isArray(v) && k.endsWith('Ids') ? `${v.length}` : typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' · ');
}

function Target({ a }: { a: Action }) {
  const label = a.targetLabel ?? (a.targetId ? `${a.targetType ?? ''} ${a.targetId.slice(0, 8)}…` : a.targetType);
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
  const result = await safeRead<{ adminActions: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: Action }[] } }>(
    `query ($action: String, $first: Int, $after: String) { adminActions(action: $action, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id createdAt actorKind actorLabel action targetType targetId targetLabel personId details } } } }`,
    { action, first: PAGE, after },
  );
  if (!result.data) return <ErrorPanel message={result.error} />;
  const { adminActions } = result.data;
  const base = action ? `/admin-log?action=${action}` : '/admin-log';
  return (
    <>
      <h1>Administrators’ log</h1>
      <p className="lead">Who enrolled, erased, changed settings, keys, doors and access, imported or added faces from the doors; newest first. Sign-ins are in the security log, door attempts in the audit log.</p>
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
                    <td data-label="Who">{a.actorKind === 'api_key' ? `key “${a.actorLabel ?? '?'}”` : a.actorKind === 'system' ? 'facegate command' : (a.actorLabel ?? '—')}</td>
                    <td data-label="Did">{ACTIONS[a.action] ?? a.action}</td>
                    <td data-label="To">
                      <Target a={a} />
                    </td>
                    <td data-label="Details" className="details-cell">
                      {details(a.details) || <span className="muted">—</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <nav className="row" aria-label="Log pages">
          {after && <Link href={base}>Newest</Link>}
          {adminActions.pageInfo.hasNextPage && adminActions.pageInfo.endCursor && <Link href={`${base}${action ? '&' : '?'}after=${encodeURIComponent(adminActions.pageInfo.endCursor)}`}>Older →</Link>}
        </nav>
      </section>
    </>
  );
}
