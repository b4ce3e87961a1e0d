import type { Metadata } from 'next';
import { graphql } from '@/generated';
import { safeRead } from '@/lib/api';
import { currentUser } from '@/lib/session';
import { ErrorPanel } from '@/components/error-panel';
import { ImportForm } from './import-form';

const ImportLimitsDocument = graphql(`
  query ImportLimits {
    importLimits {
      maxArchiveBytes
      maxEntries
      maxTotalBytes
      maxPhotoBytes
      maxPhotosPerPerson
    }
  }
`);

export const metadata: Metadata = { title: 'Import people' };

export default async function ImportPage() {
  const me = await currentUser();
  if (me?.role !== 'ADMIN') {
    return (
      <>
        <h1>Import people</h1>
        <p className="alert warn">You are signed in as a viewer: only administrators import people.</p>
      </>
    );
  }
  const limits = await safeRead(ImportLimitsDocument);
  if (!limits.data) return <ErrorPanel message={limits.error} />;
  return (
    <>
      <h1>Import people</h1>
      <p className="lead">
        A zip or a folder with one folder per person (<code>ann/1.jpg</code>, <code>ann/2.jpg</code>, <code>bob/1.jpg</code>…): the same
        import as <code>facegate db import</code>, with the same quality gates and duplicate check as any enrolment, one person at a time.
      </p>
      <ImportForm limits={limits.data.importLimits} />
    </>
  );
}
