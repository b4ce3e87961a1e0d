import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { graphql } from '@/generated';
import { safeRead } from '@/lib/api';
import { currentUser, seesFaces } from '@/lib/session';
import { FacesHiddenNote } from '@/components/faces-hidden';
import { ErrorPanel } from '@/components/error-panel';
import { OriginalAndChip, QualityChecks } from '@/components/photo-faces';
import { AddPhotosForm, DeletePersonForm, EditPersonForm, MergePersonForm, RemoveSampleButton } from './person-forms';
import { PersonHistory } from './person-history';

export const metadata: Metadata = { title: 'Person' };

const PersonDocument = graphql(`
  query Person($id: ID!, $faces: Boolean!) {
    person(id: $id) {
      id
      name
      cardId
      notes
      active
      createdAt
      sampleCount
      samples {
        id
        # Face images only for an account allowed them (faces:read): the API refuses them otherwise.
        thumbnail @include(if: $faces)
        original @include(if: $faces)
        photo {
          ...PhotoFacesFields
        }
        qualityChecks {
          ...QualityCheckFields
        }
        detectionScore
        createdAt
      }
    }
  }
`);

const MergeCandidatesDocument = graphql(`
  query MergeCandidates {
    people(first: 200) {
      edges {
        node {
          id
          name
          cardId
        }
      }
    }
  }
`);

export default async function PersonPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { id } = await params;
  const { history, merge } = await searchParams;
  const me = await currentUser();
  const faces = seesFaces(me);
  const [result, everyone] = await Promise.all([
    safeRead(PersonDocument, { id, faces }),
    // The people a duplicate may be merged from (by name; the first 200).
    safeRead(MergeCandidatesDocument),
  ]);
  if (!result.data) return <ErrorPanel message={result.error} />;
  const person = result.data.person;
  if (!person) notFound();
  const canEdit = me?.role === 'ADMIN';
  return (
    <>
      <p>
        <Link href="/people">← People</Link>
      </p>
      <h1>
        {person.name} {!person.active && <span className="badge ERROR">inactive</span>}
      </h1>
      <p className="muted">
        {person.cardId ? `Card ${person.cardId}` : 'No card'} · enrolled {person.createdAt.slice(0, 10)} · {person.sampleCount} face{' '}
        {person.sampleCount === 1 ? 'sample' : 'samples'}
      </p>
      {person.notes && <p>{person.notes}</p>}

      <section className="panel" aria-labelledby="samples-title">
        <h2 id="samples-title">Face samples</h2>
        {!faces && <FacesHiddenNote />}
        {person.samples.length === 0 ? (
          <p className="alert warn">No face sample: this person cannot be recognised until a photo is added.</p>
        ) : (
          // Each sample: the enrolment photo with its faces boxed beside the aligned chip, and its quality
          // as pass/fail against the enrolment gates (figure and limit), not bare numbers.
          <ul
            className="samples"
            aria-label="Face samples"
            style={{ gridTemplateColumns: 'repeat(auto-fill, minmax(min(100%, 300px), 1fr))' }}
          >
            {person.samples.map((s, i) => (
              <li key={s.id} data-testid="sample">
                <OriginalAndChip
                  hidden={!faces}
                  original={s.original ?? null}
                  chip={s.thumbnail ?? null}
                  photo={s.photo}
                  name={`${person.name} (sample ${i + 1})`}
                />
                <QualityChecks checks={s.qualityChecks} />
                <p className="muted" style={{ margin: '0.3rem 0' }}>
                  Detector score {(s.detectionScore * 100).toFixed(0)} % · added {s.createdAt.slice(0, 10)}
                </p>
                {canEdit && <RemoveSampleButton personId={person.id} sampleId={s.id} label={`Remove sample ${i + 1}`} />}
              </li>
            ))}
          </ul>
        )}
      </section>

      <PersonHistory
        personId={person.id}
        after={typeof history === 'string' ? history : null}
        basePath={`/people/${person.id}`}
        facesHidden={!faces}
      />

      {canEdit ? (
        <div className="grid-2">
          <section className="panel" aria-labelledby="add-title">
            <h2 id="add-title">Add photos</h2>
            <AddPhotosForm personId={person.id} />
          </section>
          <section className="panel" aria-labelledby="edit-title">
            <h2 id="edit-title">Edit</h2>
            <EditPersonForm person={person} />
          </section>
          <section className="panel" aria-labelledby="merge-title">
            <h2 id="merge-title">Merge a duplicate</h2>
            <MergePersonForm
              person={person}
              others={(everyone.data?.people.edges ?? []).map((e) => e.node).filter((o) => o.id !== person.id)}
              preselect={typeof merge === 'string' ? merge : null}
            />
          </section>
          <section className="panel" aria-labelledby="delete-title">
            <h2 id="delete-title">Delete</h2>
            <DeletePersonForm personId={person.id} name={person.name} samples={person.sampleCount} />
          </section>
        </div>
      ) : (
        <p className="alert warn">You are signed in as a viewer: you can look, not change.</p>
      )}
    </>
  );
}
