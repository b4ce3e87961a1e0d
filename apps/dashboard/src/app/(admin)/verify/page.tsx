import type { Metadata } from 'next';
import { graphql } from '@/generated';
import { safeRead } from '@/lib/api';
import { currentUser } from '@/lib/session';
import { ErrorPanel } from '@/components/error-panel';
import { VerifyConsole } from './verify-console';

const VerifyPageDocument = graphql(`
  query VerifyPage {
    people(first: 200) {
      edges {
        node {
          id
          name
          cardId
        }
      }
    }
    doors {
      ...ConsoleDoor
    }
  }
`);

export const metadata: Metadata = { title: 'Verify' };

export default async function VerifyPage() {
  const me = await currentUser();
  const { data, error } = await safeRead(VerifyPageDocument);
  return (
    <>
      <h1>Verify (1:1)</h1>
      <p className="muted">
        Does the face in a photo belong to the person claimed, as at a door where a card is swiped? Every attempt is written to the audit
        log.
      </p>
      {!data ? (
        <ErrorPanel message={error} />
      ) : me?.role !== 'ADMIN' ? (
        <p className="alert warn">You are signed in as a viewer: only administrators can run verifications.</p>
      ) : (
        <VerifyConsole people={data.people.edges.map((e) => e.node)} doors={data.doors} />
      )}
    </>
  );
}
