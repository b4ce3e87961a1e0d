import { resolveOffsetConnection } from '@pothos/plugin-relay';
import { builder } from '../builder.ts';
import { can } from '../auth/viewer.ts';
import { decodeEncoding } from '../db/codecs.ts';
import { DuplicateNameError, MergeIntoSelfError } from '../errors.ts';
import type { FaceSampleModel, PersonModel } from '../db/prisma.ts';
import { onlyUsedFace, parsePhotoFaces } from '../services/photo-faces.ts';
import { COMMON_ERRORS } from './errors.ts';
import { checksOf, PhotoFacesRef, QualityCheckRef } from './photo.ts';
import { jpegDataUrl } from './scalars.ts';

export const PersonRef = builder.objectRef<PersonModel>('Person');
export const FaceSampleRef = builder.objectRef<FaceSampleModel>('FaceSample');

const FaceSampleOrigin = builder.enumType('FaceSampleOrigin', {
  description:
    "ENROLMENT: an administrator's photo. ADAPTIVE: a door frame of a confident acceptance, learnt where the site and the door allow it (settings.adaptiveTemplates).",
  values: { ENROLMENT: { value: 'enrolment' }, ADAPTIVE: { value: 'adaptive' } } as const,
});

FaceSampleRef.implement({
  description: 'One enrolled photo of a person (or a door frame learnt, origin ADAPTIVE): the aligned face and its encoding.',
  fields: (t) => ({
    id: t.exposeID('id'),
    personId: t.exposeID('personId'),
    origin: t.field({ type: FaceSampleOrigin, resolve: (s) => s.origin as 'enrolment' | 'adaptive' }),
    doorId: t.exposeID('doorId', { nullable: true, description: 'ADAPTIVE: the door whose camera took the frame.' }),
    learntFromEventId: t.exposeID('eventId', { nullable: true, description: 'ADAPTIVE: the attempt (audit event) it was learnt from.' }),
    model: t.exposeString('model', { description: 'The encoder that produced the encoding.' }),
    thumbnail: t.string({
      description: 'The aligned face as a JPEG data: URL (scope faces:read).',
      authScopes: { scope: 'faces:read' },
      resolve: (s, _, ctx) => jpegDataUrl(ctx.services.cipher.open(s.thumbnail))!,
    }),
    detectionScore: t.exposeFloat('detectionScore'),
    eyeDistancePx: t.exposeFloat('eyeDistancePx'),
    sharpness: t.exposeFloat('sharpness'),
    brightness: t.exposeFloat('brightness'),
    yawDeg: t.exposeFloat('yawDeg', {
      nullable: true,
      description: 'Head turn estimated at enrolment (null for samples enrolled before it was kept).',
    }),
    pitchDeg: t.exposeFloat('pitchDeg', { nullable: true }),
    qualityChecks: t.field({
      type: [QualityCheckRef],
      description: 'Pass/fail against the enrolment quality gates, with the figure and the limit.',
      resolve: (s) =>
        checksOf({
          eyeDistancePx: s.eyeDistancePx,
          sharpness: s.sharpness,
          brightness: s.brightness,
          ...(s.yawDeg !== null ? { yawDeg: s.yawDeg } : {}),
          ...(s.pitchDeg !== null ? { pitchDeg: s.pitchDeg } : {}),
        }),
    }),
    photo: t.field({
      type: PhotoFacesRef,
      nullable: true,
      description:
        'What the detector saw in the enrolment photo (null for samples enrolled before it was kept). Boxes of other faces need faces:read.',
      resolve: (s, _, ctx) => {
        const photo = parsePhotoFaces(s.photoFaces);
        return photo && !can(ctx.viewer, 'faces:read') ? onlyUsedFace(photo) : photo;
      },
    }),
    original: t.string({
      nullable: true,
      description:
        'The enrolment photo, downscaled (longest side 640 px), as a JPEG data: URL (scope faces:read); null for samples enrolled before originals were kept.',
      // Refused (UNAUTHORIZED) without faces:read, like the sample's thumbnail.
      authScopes: { scope: 'faces:read' },
      resolve: (s, _, ctx) => jpegDataUrl(s.original ? ctx.services.cipher.open(s.original) : null),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    encoding: t.floatList({
      description: 'The 128-number encoding (biometric data): administrators and admin keys only.',
      authScopes: { scope: 'admin' },
      resolve: (s, _, ctx) => decodeEncoding(ctx.services.cipher.open(s.encoding)),
    }),
  }),
});

// Checked per field: a door key reaches the person it let in (id and name) and nothing of the register.
const REGISTER = { scope: 'people:read' } as const;
PersonRef.implement({
  description:
    'An enrolled person. A door learns only the id and name of the person it accepted; the rest needs people:read, face images faces:read.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    cardId: t.exposeString('cardId', { nullable: true, authScopes: REGISTER, unauthorizedResolver: () => null }),
    active: t.exposeBoolean('active', { authScopes: REGISTER }),
    notes: t.exposeString('notes', { nullable: true, authScopes: REGISTER, unauthorizedResolver: () => null }),
    createdAt: t.expose('createdAt', { type: 'DateTime', authScopes: REGISTER }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', authScopes: REGISTER }),
    samples: t.field({ type: [FaceSampleRef], authScopes: REGISTER, resolve: (p, _, ctx) => ctx.services.people.samples(p.id) }),
    sampleCount: t.int({ authScopes: REGISTER, resolve: (p, _, ctx) => ctx.services.people.sampleCount(p.id) }),
    thumbnail: t.string({
      nullable: true,
      description: "The first sample's aligned face, for lists (scope faces:read).",
      authScopes: { scope: 'faces:read' },
      unauthorizedResolver: () => null,
      resolve: async (p, _, ctx) => jpegDataUrl(await ctx.services.people.firstThumbnail(p.id)),
    }),
  }),
});

const PeopleConnection = builder.connectionObject({ type: PersonRef, name: 'PeopleConnection' });

builder.queryFields((t) => ({
  people: t.field({
    type: PeopleConnection,
    description: 'People, by name; `search` matches a part of the name or the whole card id.',
    authScopes: { scope: 'people:read' },
    args: { search: t.arg.string(), first: t.arg.int(), after: t.arg.string(), last: t.arg.int(), before: t.arg.string() },
    resolve: async (_, args, ctx) => ({
      ...(await resolveOffsetConnection({ args, defaultSize: 50, maxSize: 200 }, ({ offset, limit }) =>
        ctx.services.people.list(args.search, offset, limit),
      )),
      totalCount: await ctx.services.people.count(args.search),
    }),
  }),
  person: t.field({
    type: PersonRef,
    nullable: true,
    authScopes: { scope: 'people:read' },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => ctx.services.people.get(String(id)),
  }),
}));

builder.objectField(PeopleConnection, 'totalCount', (t) =>
  t.int({ resolve: (connection) => (connection as unknown as { totalCount: number }).totalCount }),
);

export const PersonInput = builder.inputType('PersonInput', {
  fields: (t) => ({
    name: t.string(),
    cardId: t.string({ description: 'Badge number; unique. Empty string clears it.' }),
    notes: t.string(),
    active: t.boolean({ description: 'Inactive people are never let in.' }),
  }),
});

const PeopleMerged = builder
  .objectRef<{
    person: PersonModel;
    mergedId: string;
    samplesMoved: number;
    passesMoved: number;
    groupsAdded: number;
    auditEventsMoved: number;
    cardMoved: boolean;
    pinMoved: boolean;
  }>('PeopleMerged')
  .implement({
    fields: (t) => ({
      person: t.field({ type: PersonRef, description: 'The person kept, with everything of the merged one.', resolve: (r) => r.person }),
      mergedId: t.exposeID('mergedId', { description: 'The person merged, now erased.' }),
      samplesMoved: t.exposeInt('samplesMoved'),
      passesMoved: t.exposeInt('passesMoved'),
      groupsAdded: t.exposeInt('groupsAdded', { description: 'Groups the kept person was not in yet.' }),
      auditEventsMoved: t.exposeInt('auditEventsMoved', {
        description: 'Audit events that named the merged person and now name the kept one (each a new link of the chain).',
      }),
      cardMoved: t.exposeBoolean('cardMoved', { description: "The kept person had no card and took the merged one's." }),
      pinMoved: t.exposeBoolean('pinMoved', { description: "The kept person had no PIN and took the merged one's." }),
    }),
  });

const AdaptiveSamplesRemoved = builder.objectRef<{ person: PersonModel; removed: number }>('AdaptiveSamplesRemoved').implement({
  fields: (t) => ({
    person: t.field({ type: PersonRef, resolve: (r) => r.person }),
    removed: t.exposeInt('removed', { description: 'Adaptive samples removed.' }),
  }),
});

const DeletedPerson = builder
  .objectRef<{ id: string; name: string; samplesErased: number; auditImagesErased: number }>('DeletedPerson')
  .implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      name: t.exposeString('name'),
      samplesErased: t.exposeInt('samplesErased'),
      auditImagesErased: t.exposeInt('auditImagesErased', {
        description: 'Face images removed from audit events that claimed, matched or named the person.',
      }),
    }),
  });

builder.mutationFields((t) => ({
  createPerson: t.field({
    type: PersonRef,
    authScopes: { scope: 'admin' },
    errors: { types: [...COMMON_ERRORS, DuplicateNameError] },
    args: {
      input: t.arg({ type: PersonInput, required: true }),
      confirmDuplicateName: t.arg.boolean({ description: 'Create the person even if someone of that name exists.' }),
    },
    resolve: (_, { input, confirmDuplicateName }, ctx) =>
      ctx.services.people.create(input, { confirmDuplicateName: confirmDuplicateName ?? false }),
  }),
  updatePerson: t.field({
    type: PersonRef,
    authScopes: { scope: 'admin' },
    errors: { types: COMMON_ERRORS },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: PersonInput, required: true }) },
    resolve: (_, { id, input }, ctx) => ctx.services.people.update(String(id), input),
  }),
  deletePerson: t.field({
    type: DeletedPerson,
    description:
      'Erases the person, every face sample and encoding, and every face image of theirs in the audit log, for good; their audit events stay (decision, distance) under a pseudonym.',
    authScopes: { scope: 'admin' },
    errors: { types: COMMON_ERRORS },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => ctx.services.people.delete(String(id)),
  }),
  mergePeople: t.field({
    type: PeopleMerged,
    description:
      "Merges a person enrolled twice into one (administrators only): `fromId`'s face samples, visitor passes, group memberships, audit events and admin log rows become `intoId`'s (who keeps their card and PIN, or takes the other's when they have none); then `fromId` is erased. MERGE_INTO_SELF when both are the same, NOT_FOUND for an unknown id: nothing is changed then.",
    authScopes: { scope: 'admin' },
    errors: { types: [...COMMON_ERRORS, MergeIntoSelfError] },
    args: {
      intoId: t.arg.id({ required: true, description: 'The person kept.' }),
      fromId: t.arg.id({ required: true, description: 'The person merged into them, then erased.' }),
    },
    resolve: (_, { intoId, fromId }, ctx) =>
      ctx.services.people.merge(String(intoId), String(fromId), (from, to) => ctx.services.audit.reassignPerson(from, to)),
  }),
  removeAdaptiveSamples: t.field({
    type: AdaptiveSamplesRemoved,
    description:
      "Undoes what the doors learnt of a person: removes the adaptive samples given, or all of theirs; enrolment samples are never touched. NOT_FOUND when an id is not one of the person's adaptive samples (nothing is removed then).",
    authScopes: { scope: 'admin' },
    errors: { types: COMMON_ERRORS },
    args: {
      personId: t.arg.id({ required: true }),
      sampleIds: t.arg.idList({ description: 'The samples to remove; left out: every adaptive sample of the person.' }),
    },
    resolve: async (_, { personId, sampleIds }, ctx) => {
      const removed = await ctx.services.adaptive.remove(String(personId), sampleIds ? sampleIds.map(String) : null);
      return { person: (await ctx.services.people.get(String(personId)))!, removed };
    },
  }),
  removeFaceSample: t.field({
    type: PersonRef,
    authScopes: { scope: 'admin' },
    errors: { types: COMMON_ERRORS },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_, { id }, ctx) => {
      const { personId } = await ctx.services.people.removeSample(String(id));
      return (await ctx.services.people.get(personId))!;
    },
  }),
}));
