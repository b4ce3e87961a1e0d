import Link from 'next/link';
import { graphql } from '@/generated';
import { safeRead } from '@/lib/api';
import { formatDistance, reasonText } from '@/lib/format';
import { LocalTime } from '@/components/local-time';
import { FacesHidden } from '@/components/faces-hidden';

const PAGE = 20;

const PersonHistoryDocument = graphql(`
  query PersonHistory($id: ID!, $first: Int, $after: String) {
    person(id: $id) {
      id
      doorAccess {
        door {
          id
          name
        }
        allowed
        reason
      }
      groups {
        id
        name
      }
      passes {
        id
        validFrom
        validUntil
        revokedAt
        doors {
          name
        }
      }
    }
    recognitionEvents(filter: { personId: $id }, first: $first, after: $after) {
      totalCount
      pageInfo {
        ...NextPage
      }
      edges {
        node {
          id
          createdAt
          kind
          door {
            name
          }
          decision
          reason
          distance
          threshold
          thumbnail
          claimedPersonId
          decidedPersonId
        }
      }
    }
  }
`);

const POLICY_REASONS: Record<string, string> = {
  inactive: 'the person is inactive',
  not_allowed_here: 'none of their groups is allowed here',
  outside_schedule: 'outside their schedule now',
  pass_expired: 'their visitor pass has expired',
  pass_not_yet_valid: 'their visitor pass is not valid yet',
  pass_revoked: 'their visitor pass was revoked',
};

/** A pass's state now: the policy reads the same dates. */
function passState(p: { validFrom: string; validUntil: string; revokedAt: string | null }, now: number): string {
  if (p.revokedAt) return 'revoked';
  if (now < Date.parse(p.validFrom)) return 'not valid yet';
  if (now >= Date.parse(p.validUntil)) return 'expired';
  return 'valid now';
}

/**
 * The person's access (groups, the doors they may use now, visitor passes) and their recognition
 * history: the attempts that claimed or recognised them, newest first, a page at a time.
 */
export async function PersonHistory({
  personId,
  after,
  basePath,
  facesHidden = false,
}: {
  personId: string;
  after: string | null;
  basePath: string;
  /** This account may not see face images (no faces:read). */
  facesHidden?: boolean;
}) {
  const result = await safeRead(PersonHistoryDocument, { id: personId, first: PAGE, after });
  if (!result.data?.person) return <p className="alert error">The history could not be read: {result.error ?? 'no such person'}</p>;
  const { person, recognitionEvents: events } = result.data;
  const now = Date.now();
  return (
    <>
      <div className="grid-2">
        <section className="panel" aria-labelledby="access-title" data-testid="person-access">
          <h2 id="access-title">Doors and groups</h2>
          <p>
            Groups:{' '}
            {person.groups.length === 0 ? (
              <span className="muted">none</span>
            ) : (
              person.groups.map((g) => (
                <span key={g.id} className="badge neutral">
                  {g.name}
                </span>
              ))
            )}
          </p>
          {person.doorAccess.length === 0 ? (
            <p className="muted">No door is set up yet.</p>
          ) : (
            <ul className="plain-list" aria-label="Doors now">
              {person.doorAccess.map((a) => (
                <li key={a.door.id}>
                  <span className={`badge ${a.allowed ? 'ACCEPTED' : 'REFUSED'}`}>{a.allowed ? 'may pass' : 'shut'}</span> {a.door.name}
                  {!a.allowed && a.reason && <span className="muted"> ({POLICY_REASONS[a.reason] ?? a.reason.replace(/_/g, ' ')})</span>}
                </li>
              ))}
            </ul>
          )}
          <p className="hint">Now, by the access policy; the face must still match at the door.</p>
        </section>
        <section className="panel" aria-labelledby="passes-title">
          <h2 id="passes-title">Visitor passes</h2>
          {person.passes.length === 0 ? (
            <p className="muted">None: {person.groups.length ? 'let in through their groups' : 'not a visitor'}.</p>
          ) : (
            <ul className="plain-list" aria-label="Visitor passes">
              {person.passes.map((p) => (
                <li key={p.id}>
                  <span className={`badge ${passState(p, now) === 'valid now' ? 'ACCEPTED' : 'neutral'}`}>{passState(p, now)}</span>{' '}
                  <LocalTime iso={p.validFrom} seconds={false} /> to <LocalTime iso={p.validUntil} seconds={false} />,{' '}
                  {p.doors.length ? p.doors.map((d) => d.name).join(', ') : 'every door'}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      <section className="panel" aria-labelledby="history-title" data-testid="person-history">
        <h2 id="history-title">
          Recognition history{' '}
          <span className="muted">
            ({events.totalCount} {events.totalCount === 1 ? 'attempt' : 'attempts'})
          </span>
        </h2>
        {events.edges.length === 0 ? (
          <p className="muted">No attempt has claimed or recognised this person{after ? ' on this page' : ''}.</p>
        ) : (
          <div className="table-wrap">
            <table className="cards-on-phone">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Face</th>
                  <th scope="col">Door</th>
                  <th scope="col">As</th>
                  <th scope="col">Distance</th>
                  <th scope="col">Decision</th>
                </tr>
              </thead>
              <tbody>
                {events.edges.map(({ node: e }) => (
                  <tr key={e.id} data-testid="history-row">
                    <td data-label="Time">
                      <Link href={`/audit/${e.id}`}>
                        <LocalTime iso={e.createdAt} />
                      </Link>
                    </td>
                    <td data-label="Face">
                      {facesHidden ? (
                        <FacesHidden />
                      ) : e.thumbnail ? (
                        <img className="thumb" src={e.thumbnail} alt="Face seen" />
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                    <td data-label="Door">{e.door?.name ?? <span className="muted">—</span>}</td>
                    <td data-label="As">
                      {e.kind === 'VERIFY' ? (e.claimedPersonId === personId ? 'claimed (verify)' : 'verify') : 'recognised (identify)'}
                    </td>
                    <td data-label="Distance">
                      {formatDistance(e.distance)} <span className="muted">/ {formatDistance(e.threshold)}</span>
                    </td>
                    <td data-label="Decision">
                      <span className={`badge ${e.decision}`}>{e.decision.toLowerCase().replace('_', '-')}</span>{' '}
                      <span className="muted">{reasonText(e.reason)}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <nav className="row" aria-label="History pages">
          {after && <Link href={basePath}>Newest</Link>}
          {events.pageInfo.hasNextPage && events.pageInfo.endCursor && (
            <Link href={`${basePath}?history=${encodeURIComponent(events.pageInfo.endCursor)}`}>Older attempts →</Link>
          )}
        </nav>
      </section>
    </>
  );
}
