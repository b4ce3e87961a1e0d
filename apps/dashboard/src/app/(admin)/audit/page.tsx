import type { Metadata } from 'next';
import Link from 'next/link';
import { graphql } from '@/generated';
import { safeRead } from '@/lib/api';
import { parseAuditParams, toApiFilter, toQueryString } from '@/lib/audit-filter';
import { currentUser, seesFaces } from '@/lib/session';
import { ErrorPanel } from '@/components/error-panel';
import { AuditTable } from './audit-table';
import { LocalDateTimeField } from '@/components/local-datetime-field';

export const metadata: Metadata = { title: 'Audit log' };

const PAGE = 50;

const AuditEventsDocument = graphql(`
  query AuditEvents($filter: RecognitionEventFilter, $first: Int, $after: String) {
    recognitionEvents(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo {
        ...NextPage
      }
      edges {
        node {
          ...RecognitionEventFields
        }
      }
    }
  }
`);

const AuditOptionsDocument = graphql(`
  query AuditOptions($isAdmin: Boolean!) {
    doors {
      ...ConsoleDoor
    }
    people(first: 200) {
      edges {
        node {
          id
          name
        }
      }
    }
    apiKeys @include(if: $isAdmin) {
      id
      name
    }
  }
`);

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const filters = parseAuditParams(params);
  const after = typeof params.after === 'string' ? params.after : null;
  const me = await currentUser();
  const isAdmin = me?.role === 'ADMIN';
  // Two reads: the API prices list fields by their size, and one query for all would cost too much.
  const [events, options] = await Promise.all([
    safeRead(AuditEventsDocument, { filter: toApiFilter(filters), first: PAGE, after }),
    safeRead(AuditOptionsDocument, { isAdmin }),
  ]);
  const error = events.error ?? options.error;
  const data = events.data && options.data ? { ...events.data, ...options.data } : null;
  const query = toQueryString(filters);
  return (
    <>
      <h1>Audit log</h1>
      <form className="panel" action="/audit" aria-label="Filters">
        <div className="row">
          <div className="field">
            <label htmlFor="f-door">Door</label>
            <select id="f-door" name="door" defaultValue={filters.door ?? ''}>
              <option value="">Any door</option>
              {data?.doors.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="f-person">Person (claimed or decided)</label>
            <select id="f-person" name="person" defaultValue={filters.person ?? ''}>
              <option value="">Anyone</option>
              {data?.people.edges.map(({ node: p }) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="f-decision">Decision</label>
            <select id="f-decision" name="decision" defaultValue={filters.decision ?? ''}>
              <option value="">Any</option>
              <option value="ACCEPTED">Accepted</option>
              <option value="REFUSED">Refused</option>
              <option value="STEP_UP">Second factor needed</option>
              <option value="ERROR">Error</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="f-kind">Kind</label>
            <select id="f-kind" name="kind" defaultValue={filters.kind ?? ''}>
              <option value="">Verify and identify</option>
              <option value="VERIFY">Verify (1:1)</option>
              <option value="IDENTIFY">Identify (1:K)</option>
            </select>
          </div>
          <LocalDateTimeField id="f-from" name="from" label="From" utcValue={filters.from} />
          <LocalDateTimeField id="f-to" name="to" label="To" utcValue={filters.to} />
          <button type="submit">Apply filters</button>
          {query && (
            <Link href="/audit" className="button secondary">
              Clear
            </Link>
          )}
          <a href={`/audit/export${query ? `?${query}` : ''}`} className="button secondary" download>
            Export CSV
          </a>
        </div>
      </form>
      {!data ? (
        <ErrorPanel message={error ?? 'The audit log could not be loaded.'} />
      ) : (
        <>
          <AuditTable
            key={`${query}|${after ?? ''}`}
            initial={data.recognitionEvents.edges.map((e) => e.node)}
            total={data.recognitionEvents.totalCount}
            live={!after}
            query={query}
            keyNames={Object.fromEntries((data.apiKeys ?? []).map((k) => [k.id, k.name]))}
            facesHidden={!seesFaces(me)}
          />
          <div className="row" style={{ marginTop: '0.75rem' }}>
            {after && (
              <Link href={`/audit${query ? `?${query}` : ''}`} className="button secondary">
                ← Newest
              </Link>
            )}
            {data.recognitionEvents.pageInfo.hasNextPage && data.recognitionEvents.pageInfo.endCursor && (
              <Link
                href={`/audit?${query ? `${query}&` : ''}after=${encodeURIComponent(data.recognitionEvents.pageInfo.endCursor)}`}
                className="button secondary"
              >
                Older →
              </Link>
            )}
          </div>
        </>
      )}
    </>
  );
}
