import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { safeRead } from '@/lib/api';
import { currentUser } from '@/lib/session';
import type { FaceSample } from '@/lib/types';
import { ErrorPanel } from '@/components/error-panel';
import { AddPhotosForm, DeletePersonForm, EditPersonForm, RemoveSampleButton } from './person-forms';

export const metadata: Metadata = { title: 'Person' };

interface PersonDetail {
  id: string;
  name: string;
  cardId: string | null;
  notes: string | null;
  active: boolean;
  createdAt: string;
  sampleCount: number;
  samples: FaceSample[];
}

export default async function PersonPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const [me, result] = await Promise.all([
    currentUser(),
    safeRead<{ person: PersonDetail | null }>(
      `query ($id: ID!) { person(id: $id) { id name cardId notes active createdAt sampleCount samples { id thumbnail detectionScore eyeDistancePx sharpness brightness createdAt } } }`,
      { id },
    ),
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
        {person.cardId ? `Card ${person.cardId}` : 'No card'} · enrolled {person.createdAt.slice(0, 10)} · {person.sampleCount} face {person.sampleCount === 1 ? 'sample' : 'samples'}
      </p>
      {person.notes && <p>{person.notes}</p>}

      <section className="panel" aria-labelledby="samples-title">
        <h2 id="samples-title">Face samples</h2>
        {person.samples.length === 0 ? (
          <p className="alert warn">No face sample: this person cannot be recognised until a photo is added.</p>
        ) : (
          <ul className="samples" aria-label="Face samples">
            {person.samples.map((s, i) => (
              <li key={s.id} data-testid="sample">
                <img className="thumb large" src={s.thumbnail} alt={`Aligned face ${i + 1} of ${person.name}`} />
                <dl>
                  <dt>detection</dt>
                  <dd>{(s.detectionScore * 100).toFixed(0)} %</dd>
                  <dt>eye distance</dt>
                  <dd>{s.eyeDistancePx.toFixed(0)} px</dd>
                  <dt>sharpness</dt>
                  <dd>{s.sharpness.toFixed(1)}</dd>
                  <dt>brightness</dt>
                  <dd>{s.brightness.toFixed(0)}</dd>
                  <dt>added</dt>
                  <dd>{s.createdAt.slice(0, 10)}</dd>
                </dl>
                {canEdit && <RemoveSampleButton personId={person.id} sampleId={s.id} label={`Remove sample ${i + 1}`} />}
              </li>
            ))}
          </ul>
        )}
      </section>

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
