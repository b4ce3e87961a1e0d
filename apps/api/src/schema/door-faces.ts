import { builder } from '../builder.ts';
import { can } from '../auth/viewer.ts';
import { DuplicateNameError } from '../errors.ts';
import { MAX_DOOR_FACES, NEVER_LEARNED, type DoorFace, type DoorFaceGroup } from '../services/door-faces.ts';
import type { FaceSampleModel, PersonModel } from '../db/prisma.ts';
import type { RejectedPhoto } from '../services/people/index.ts';
import { DoorRef } from './door.ts';
import { refusalFields } from './enrolment.ts';
import { COMMON_ERRORS } from './errors.ts';
import { FaceSampleRef, PersonRef } from './person.ts';
import { RecognitionEventRef } from './recognition-event.ts';

// Learning from the doors: reading the faces needs the audit log and its images (audit:read and
// faces:read: administrators and viewers); adding one to a person is an administrator's act.

const DoorFaceRef = builder.objectRef<DoorFace>('DoorFace').implement({
  description: 'A face refused at a door whose image is still kept, read again by the face engine.',
  fields: (t) => ({
    event: t.field({ type: RecognitionEventRef, resolve: (f) => f.event }),
    usable: t.boolean({
      description: 'The engine found one face in the kept image: it can go to enrolment (which applies its gates).',
      resolve: (f) => f.encoding !== null,
    }),
    code: t.exposeString('code', { nullable: true, description: 'Why the kept image cannot be enrolled (NO_FACE...).' }),
    message: t.exposeString('message', { nullable: true }),
    nearestPerson: t.field({
      type: PersonRef,
      nullable: true,
      description: 'The nearest enrolled person: a hint, never a decision.',
      resolve: (f, _, ctx) => (f.nearest ? ctx.services.people.get(f.nearest.personId) : null),
    }),
    nearestDistance: t.float({ nullable: true, resolve: (f) => f.nearest?.distance ?? null }),
  }),
});

const DoorFaceGroupRef = builder.objectRef<DoorFaceGroup>('DoorFaceGroup').implement({
  description: 'Faces every two of which are nearer than the verification threshold (the doors would take them for one person).',
  fields: (t) => ({
    faces: t.field({ type: [DoorFaceRef], resolve: (g) => [...g.faces] }),
    spread: t.exposeFloat('spread', { description: 'The largest distance between two faces of the group.' }),
    doors: t.field({
      type: [DoorRef],
      description: 'The doors these attempts were made at.',
      resolve: async (g, _, ctx) =>
        (
          await Promise.all(
            [...new Set(g.faces.map((f) => f.event.doorId).filter((d) => d !== null))].map((id) => ctx.services.access.doors.get(id)),
          )
        ).filter((d) => d !== null),
    }),
  }),
});

type Groups = Awaited<ReturnType<import('../services/door-faces.ts').DoorFacesService['groups']>>;
const DoorFacesRef = builder.objectRef<Groups>('DoorFaces').implement({
  fields: (t) => ({
    threshold: t.exposeFloat('threshold', { description: 'The distance the faces were grouped at: the verification threshold.' }),
    considered: t.exposeInt('considered', { description: 'Recent learnable attempts read.' }),
    groups: t.field({ type: [DoorFaceGroupRef], resolve: (r) => r.groups }),
    unreadable: t.field({
      type: [DoorFaceRef],
      description: 'Kept images in which the engine finds no single face (never enrolled).',
      resolve: (r) => r.unreadable,
    }),
    recognised: t.field({
      type: [DoorFaceRef],
      description:
        'Faces the doors would now take for someone enrolled (nearest person within the threshold): not grouped, not to be learned again.',
      resolve: (r) => r.recognised,
    }),
    neverLearned: t.stringList({
      description: 'Refusal reasons never learned from, whatever is clicked.',
      resolve: () => [...NEVER_LEARNED],
    }),
  }),
});

builder.queryFields((t) => ({
  doorFaces: t.field({
    type: DoorFacesRef,
    description: `The last faces refused at the doors, nobody recognised, whose image is still kept (not presentation attacks, faces too small or failed PINs), grouped by similarity (scopes audit:read and faces:read). At most ${MAX_DOOR_FACES}.`,
    authScopes: (_, __, ctx) => can(ctx.viewer, 'audit:read') && can(ctx.viewer, 'faces:read'),
    args: { last: t.arg.int({ description: `How many recent attempts (default 100, at most ${MAX_DOOR_FACES}).` }) },
    resolve: (_, { last }, ctx) => ctx.services.doorFaces.groups(last ?? 100),
  }),
}));

const LearnRejectionRef = builder.objectRef<RejectedPhoto & { eventId: string }>('LearnRejection').implement({
  description:
    'A door face not enrolled, and why: NOT_FOUND, IMAGE_ERASED, NOT_LEARNABLE, or an enrolment refusal (NO_FACE, quality gates, DUPLICATE_FACE naming who it matches).',
  fields: (t) => ({
    eventId: t.exposeID('eventId'),
    ...refusalFields(t),
    duplicateDistance: t.float({ nullable: true, resolve: (r) => r.duplicateOf?.distance ?? null }),
  }),
});

const LearnResultRef = builder
  .objectRef<{ person: PersonModel | null; enrolled: FaceSampleModel[]; rejected: (RejectedPhoto & { eventId: string })[] }>('LearnResult')
  .implement({
    fields: (t) => ({
      person: t.field({
        type: PersonRef,
        nullable: true,
        description: 'The person the faces went to (none when a new person got no face).',
        resolve: (r) => r.person,
      }),
      enrolled: t.field({ type: [FaceSampleRef], resolve: (r) => r.enrolled }),
      rejected: t.field({ type: [LearnRejectionRef], resolve: (r) => r.rejected }),
    }),
  });

builder.mutationFields((t) => ({
  learnFacesFromDoors: t.field({
    type: LearnResultRef,
    description:
      'Adds faces refused at the doors (audit event ids) to a person, or to a new person (`newPersonName`), through enrolment: its quality gates and duplicate check apply, with no override. Logged in adminActions.',
    authScopes: { scope: 'admin' },
    errors: { types: [...COMMON_ERRORS, DuplicateNameError] },
    args: {
      eventIds: t.arg.idList({ required: true }),
      personId: t.arg.id(),
      newPersonName: t.arg.string(),
      confirmDuplicateName: t.arg.boolean({ description: 'Create the new person even if someone of that name exists.' }),
    },
    resolve: (_, args, ctx) =>
      ctx.services.doorFaces.learn(args.eventIds.map(String), {
        personId: args.personId ? String(args.personId) : null,
        newPersonName: args.newPersonName ?? null,
        confirmDuplicateName: args.confirmDuplicateName ?? false,
      }),
  }),
}));
