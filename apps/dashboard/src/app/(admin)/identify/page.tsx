import type { Metadata } from 'next';
import { graphql } from '@/generated';
import { safeRead } from '@/lib/api';
import { currentUser } from '@/lib/session';
import { ErrorPanel } from '@/components/error-panel';
import { IdentifyConsole } from './identify-console';

const IdentifyPageDocument = graphql(`
  query IdentifyPage {
    doors {
      ...ConsoleDoor
    }
  }
`);

export const metadata: Metadata = { title: 'Identify' };

export default async function IdentifyPage() {
  const me = await currentUser();
  const { data, error } = await safeRead(IdentifyPageDocument);
  return (
    <>
      <h1>Identify (1:K)</h1>
      <p className="muted">
        Who is this face, without a card? The nearest enrolled person is accepted only under the threshold. Every attempt is written to the
        audit log.
      </p>
      {!data ? (
        <ErrorPanel message={error} />
      ) : me?.role !== 'ADMIN' ? (
        <p className="alert warn">You are signed in as a viewer: only administrators can run identifications.</p>
      ) : (
        <IdentifyConsole doors={data.doors} />
      )}
    </>
  );
}
