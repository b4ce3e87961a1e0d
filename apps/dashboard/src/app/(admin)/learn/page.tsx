import type { Metadata } from 'next';
import Link from 'next/link';
import { graphql } from '@/generated';
import { safeRead } from '@/lib/api';
import { reasonText } from '@/lib/format';
import { currentUser, seesFaces } from '@/lib/session';
import { ErrorPanel } from '@/components/error-panel';
import { LearnGroup } from './learn-group';

export const metadata: Metadata = { title: 'Learn from the doors' };

const DoorFacesDocument = graphql(`
  query DoorFaces {
    doorFaces(last: 100) {
      threshold
      considered
      neverLearned
      groups {
        spread
        faces {
          ...DoorFace
        }
      }
      unreadable {
        code
        event {
          id
          createdAt
        }
      }
      recognised {
        nearestPerson {
          id
          name
        }
        event {
          id
        }
      }
    }
  }
`);

const LearnPeopleDocument = graphql(`
  query LearnPeople {
    people(first: 200) {
      edges {
        node {
          id
          name
        }
      }
    }
  }
`);

const AddedToDocument = graphql(`
  query AddedTo($id: ID!) {
    person(id: $id) {
      id
      name
    }
  }
`);

export default async function LearnPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const added = typeof params.added === 'string' ? params.added : null;
  const me = await currentUser();
  // The faces refused at the doors are face images: an account without faces:read is told so, not refused.
  if (!seesFaces(me)) {
    return (
      <>
        <h1>Learn from the doors</h1>
        <p className="alert note" data-testid="faces-hidden-note">
          Face images are hidden for this account, and this page is made of them: the faces refused at the doors. An administrator can allow
          face images for your account on the Settings page.
        </p>
      </>
    );
  }
  const [faces, people, addedTo] = await Promise.all([
    safeRead(DoorFacesDocument),
    safeRead(LearnPeopleDocument),
    added ? safeRead(AddedToDocument, { id: added }) : null,
  ]);
  if (!faces.data) return <ErrorPanel message={faces.error} />;
  const { doorFaces } = faces.data;
  const canEdit = me?.role === 'ADMIN';
  return (
    <>
      <h1>Learn from the doors</h1>
      <p className="lead">
        Faces refused at the doors as nobody enrolled, whose image is still kept
        {doorFaces.considered === 0
          ? ''
          : doorFaces.considered === 1
            ? ' (the one such attempt)'
            : ` (the last ${doorFaces.considered} such attempts)`}
        , grouped when every two faces are closer than the doors’ threshold ({doorFaces.threshold.toFixed(3)}): the doors would take them
        for one person. Adding a face enrols it like an uploaded photo: the quality gates and the duplicate check apply, and the act is
        logged.
      </p>
      <p className="hint">
        Never listed: {doorFaces.neverLearned.map(reasonText).join('; ')}. Nobody is enrolled until an administrator chooses who the faces
        are.
      </p>
      {addedTo?.data?.person && (
        <p className="alert ok" role="status" data-testid="learn-added">
          {Number(params.faces) || 0} {Number(params.faces) === 1 ? 'face' : 'faces'} added to {addedTo.data.person.name}
          {Number(params.refused) ? `; ${Number(params.refused)} refused by enrolment (quality gates or duplicates)` : ''}.{' '}
          <Link href={`/people/${addedTo.data.person.id}`}>Open their page</Link>
        </p>
      )}
      {!canEdit && <p className="alert warn">You are signed in as a viewer: you can look, not add.</p>}
      {doorFaces.groups.length === 0 ? (
        <p className="panel muted" data-testid="learn-empty">
          No unknown face to learn from. Faces appear here when a door refuses someone it recognises as nobody enrolled, while their image
          is kept (see the <Link href="/audit?decision=REFUSED">refused attempts</Link>).
        </p>
      ) : (
        doorFaces.groups.map((g, i) => (
          <LearnGroup
            key={g.faces[0]!.event.id}
            index={i}
            faces={g.faces}
            spread={g.spread}
            threshold={doorFaces.threshold}
            people={people.data?.people.edges.map((e) => e.node) ?? []}
            canEdit={canEdit}
          />
        ))
      )}
      {doorFaces.recognised.length > 0 && (
        <p className="hint" data-testid="learn-recognised">
          Not listed: {doorFaces.recognised.length} refused {doorFaces.recognised.length === 1 ? 'face' : 'faces'} the doors would now take
          for someone enrolled ({[...new Set(doorFaces.recognised.map((f) => f.nearestPerson?.name).filter((n) => n))].join(', ')}): learned
          since, or refused for another reason than being unknown.
        </p>
      )}
      {doorFaces.unreadable.length > 0 && (
        <p className="hint">
          {doorFaces.unreadable.length} kept {doorFaces.unreadable.length === 1 ? 'image shows' : 'images show'} no single face the engine
          can read again: they cannot be enrolled.
        </p>
      )}
    </>
  );
}
