import type { Metadata } from 'next';
import Link from 'next/link';
import { graphql } from '@/generated';
import { safeRead } from '@/lib/api';
import { ErrorPanel } from '@/components/error-panel';
import { currentUser, seesFaces } from '@/lib/session';
import { FacesHidden, FacesHiddenNote } from '@/components/faces-hidden';

const PeopleDocument = graphql(`
  query People($search: String) {
    people(first: 150, search: $search) {
      totalCount
      edges {
        node {
          id
          name
          cardId
          active
          sampleCount
          thumbnail
        }
      }
    }
  }
`);

export const metadata: Metadata = { title: 'People' };

export default async function PeoplePage({ searchParams }: { searchParams: Promise<{ q?: string; deleted?: string; samples?: string }> }) {
  const { q = '', deleted, samples } = await searchParams;
  const search = q.trim();
  const me = await currentUser();
  const faces = seesFaces(me);
  const { data, error } = await safeRead(PeopleDocument, { search: search || null });
  return (
    <>
      <div className="row" style={{ justifyContent: 'space-between', marginBottom: '1rem' }}>
        <h1 style={{ margin: 0 }}>People</h1>
        {me?.role === 'ADMIN' && (
          <Link href="/enroll" className="button">
            Enroll a person
          </Link>
        )}
      </div>
      {deleted && (
        <p className="alert ok" role="status">
          {deleted} was deleted, with {samples ?? 0} face {samples === '1' ? 'sample' : 'samples'} and their encodings.
        </p>
      )}
      <form role="search" className="row panel" action="/people">
        <div className="field" style={{ flex: 1 }}>
          <label htmlFor="q">Search by name or card id</label>
          <input id="q" name="q" type="search" defaultValue={search} placeholder="e.g. younes or 1042" />
        </div>
        <button type="submit">Search</button>
        {search && (
          <Link href="/people" className="button secondary">
            Clear
          </Link>
        )}
      </form>
      {!data ? (
        <ErrorPanel message={error} />
      ) : data.people.edges.length === 0 ? (
        <p className="panel">{search ? `Nobody matches “${search}”.` : 'Nobody is enrolled yet.'}</p>
      ) : (
        <>
          <p className="muted" aria-live="polite">
            {data.people.totalCount} {data.people.totalCount === 1 ? 'person' : 'people'}
            {search ? ` matching “${search}”` : ''}
            {data.people.totalCount > data.people.edges.length ? ` (the first ${data.people.edges.length} shown: search to narrow)` : ''}
          </p>
          {!faces && <FacesHiddenNote />}
          <ul className="people" aria-label="People">
            {data.people.edges.map(({ node: p }) => (
              <li key={p.id}>
                <Link href={`/people/${p.id}`}>
                  {!faces ? (
                    <FacesHidden />
                  ) : p.thumbnail ? (
                    <img className="thumb" src={p.thumbnail} alt="" />
                  ) : (
                    <span className="thumb" aria-hidden="true" />
                  )}
                  <span>
                    <strong>{p.name}</strong>
                    {!p.active && <span className="badge ERROR"> inactive</span>}
                    <br />
                    <span className="muted">
                      {p.sampleCount} {p.sampleCount === 1 ? 'sample' : 'samples'}
                      {p.cardId ? ` · card ${p.cardId}` : ''}
                    </span>
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}
