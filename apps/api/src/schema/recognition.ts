import { resolveOffsetConnection } from '@pothos/plugin-relay';
import { builder } from '../builder.ts';
import { FaceRejectedError, RateLimitedError } from '../errors.ts';
import type { RecognitionOutcome } from '../services/recognition.ts';
import type { RecognitionEventModel } from '../services/prisma.ts';
import { DoorRef } from './door.ts';
import { COMMON_ERRORS } from './errors.ts';
import { PersonRef } from './person.ts';
import { jpegDataUrl } from './scalars.ts';

export const RecognitionEventRef = builder.objectRef<RecognitionEventModel>('RecognitionEvent');

const Decision = builder.enumType('Decision', { values: { ACCEPTED: { value: 'accepted' }, REFUSED: { value: 'refused' }, ERROR: { value: 'error' } } as const });
const Kind = builder.enumType('RecognitionKind', { values: { VERIFY: { value: 'verify' }, IDENTIFY: { value: 'identify' } } as const });

RecognitionEventRef.implement({
  description: 'One verification or identification attempt (the audit log).',
  fields: (t) => ({
    id: t.exposeID('id'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    kind: t.field({ type: Kind, resolve: (e) => e.kind as 'verify' | 'identify' }),
    doorId: t.exposeID('doorId', { nullable: true }),
    apiKeyId: t.exposeID('apiKeyId', { nullable: true }),
    adminId: t.exposeID('adminId', { nullable: true }),
    claimedPersonId: t.exposeID('claimedPersonId', { nullable: true }),
    claimedLabel: t.exposeString('claimedLabel', { nullable: true }),
    decidedPersonId: t.exposeID('decidedPersonId', { nullable: true }),
    decidedLabel: t.exposeString('decidedLabel', { nullable: true }),
    distance: t.exposeFloat('distance', { nullable: true }),
    threshold: t.exposeFloat('threshold'),
    model: t.exposeString('model'),
    decision: t.field({ type: Decision, resolve: (e) => e.decision as 'accepted' | 'refused' | 'error' }),
    reason: t.exposeString('reason', { description: 'match, no_match, not_in_database, unknown_person, inactive, not_enrolled, no_face, multiple_faces, invalid_image, image_too_large, rate_limited' }),
    thumbnail: t.string({ nullable: true, description: 'The face seen, as a JPEG data: URL.', resolve: (e) => jpegDataUrl(e.thumbnail) }),
    door: t.field({ type: DoorRef, nullable: true, resolve: (e, _, ctx) => (e.doorId ? ctx.services.access.doors.get(e.doorId) : null) }),
  }),
});

const Candidate = builder.objectRef<{ personId: string; distance: number }>('Candidate').implement({
  fields: (t) => ({
    distance: t.exposeFloat('distance'),
    person: t.field({ type: PersonRef, nullable: true, resolve: (c, _, ctx) => ctx.services.people.get(c.personId) }),
  }),
});

const RecognitionResult = builder.objectRef<RecognitionOutcome>('RecognitionResult').implement({
  fields: (t) => ({
    decision: t.field({ type: Decision, resolve: (r) => r.decision }),
    accepted: t.boolean({ resolve: (r) => r.decision === 'accepted' }),
    reason: t.exposeString('reason'),
    distance: t.exposeFloat('distance', { nullable: true }),
    threshold: t.exposeFloat('threshold'),
    person: t.field({ type: PersonRef, nullable: true, description: 'Verify: the claimed person. Identify: the person recognised, if any.', resolve: (r, _, ctx) => (r.personId ? ctx.services.people.get(r.personId) : null) }),
    candidates: t.field({ type: [Candidate], description: 'Identify: the nearest people, nearest first.', resolve: (r) => [...r.candidates] }),
    event: t.field({ type: RecognitionEventRef, resolve: (r) => r.event }),
  }),
});

const VerifyInput = builder.inputType('VerifyFaceInput', {
  fields: (t) => ({
    personId: t.id(),
    name: t.string(),
    cardId: t.string(),
    image: t.field({ type: 'File', required: true }),
    doorId: t.id(),
  }),
});

const RECOGNITION_ERRORS = [...COMMON_ERRORS, FaceRejectedError, RateLimitedError];

builder.mutationFields((t) => ({
  verifyFace: t.field({
    type: RecognitionResult,
    description: '1:1 - is the face in `image` the person claimed (by id, name or card)? Writes one audit event.',
    authScopes: { scope: 'verify' },
    errors: { types: RECOGNITION_ERRORS },
    args: { input: t.arg({ type: VerifyInput, required: true }) },
    resolve: (_, { input }, ctx) =>
      ctx.services.recognition.verify(ctx.viewer, {
        personId: input.personId ? String(input.personId) : null,
        name: input.name,
        cardId: input.cardId,
        doorId: input.doorId ? String(input.doorId) : null,
        image: () => ctx.services.readUpload(input.image),
      }),
  }),
  identifyFace: t.field({
    type: RecognitionResult,
    description: '1:K - who is the face in `image`, or nobody known. Writes one audit event.',
    authScopes: { scope: 'identify' },
    errors: { types: RECOGNITION_ERRORS },
    args: { image: t.arg({ type: 'File', required: true }), doorId: t.arg.id(), candidates: t.arg.int({ description: 'How many nearest people to list (1-20, default 5).' }) },
    resolve: (_, args, ctx) =>
      ctx.services.recognition.identify(ctx.viewer, {
        image: () => ctx.services.readUpload(args.image),
        doorId: args.doorId ? String(args.doorId) : null,
        candidates: args.candidates ?? 5,
      }),
  }),
}));

const EventFilter = builder.inputType('RecognitionEventFilter', {
  fields: (t) => ({
    doorId: t.id(),
    personId: t.id({ description: 'Claimed or decided person.' }),
    decision: t.field({ type: Decision }),
    kind: t.field({ type: Kind }),
    from: t.field({ type: 'DateTime' }),
    to: t.field({ type: 'DateTime' }),
  }),
});

type Filter = { doorId?: string | number | null; personId?: string | number | null; decision?: string | null; kind?: string | null; from?: Date | null; to?: Date | null } | null | undefined;
const toFilter = (f: Filter) => ({
  doorId: f?.doorId ? String(f.doorId) : null,
  personId: f?.personId ? String(f.personId) : null,
  decision: f?.decision ?? null,
  kind: f?.kind ?? null,
  from: f?.from ?? null,
  to: f?.to ?? null,
});

const EventsConnection = builder.connectionObject({ type: RecognitionEventRef, name: 'RecognitionEventsConnection' });
builder.objectField(EventsConnection, 'totalCount', (t) => t.int({ resolve: (c) => (c as unknown as { totalCount: number }).totalCount }));

const DayStats = builder.objectRef<{ day: string; accepted: number; refused: number; error: number }>('DayStats').implement({
  fields: (t) => ({ day: t.exposeString('day', { description: 'UTC day, YYYY-MM-DD.' }), accepted: t.exposeInt('accepted'), refused: t.exposeInt('refused'), error: t.exposeInt('error') }),
});

builder.queryFields((t) => ({
  recognitionEvents: t.field({
    type: EventsConnection,
    description: 'The audit log, newest first.',
    authScopes: { scope: 'audit:read' },
    args: { filter: t.arg({ type: EventFilter }), first: t.arg.int(), after: t.arg.string(), last: t.arg.int(), before: t.arg.string() },
    resolve: async (_, args, ctx) => {
      const filter = toFilter(args.filter);
      return {
        ...(await resolveOffsetConnection({ args, defaultSize: 50, maxSize: 500 }, ({ offset, limit }) => ctx.services.audit.list(filter, offset, limit))),
        totalCount: await ctx.services.audit.count(filter),
      };
    },
  }),
  recognitionEvent: t.field({
    type: RecognitionEventRef,
    nullable: true,
    authScopes: { scope: 'audit:read' },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => ctx.services.audit.get(String(id)),
  }),
  stats: t.field({
    type: [DayStats],
    description: 'Attempts per UTC day and decision (default: the last 30 days).',
    authScopes: { scope: 'audit:read' },
    args: { from: t.arg({ type: 'DateTime' }), to: t.arg({ type: 'DateTime' }) },
    resolve: (_, args, ctx) => {
      const to = args.to ?? new Date();
      return ctx.services.audit.stats(args.from ?? new Date(to.getTime() - 30 * 86_400_000), to);
    },
  }),
}));

builder.subscriptionFields((t) => ({
  recognitionEvents: t.field({
    type: RecognitionEventRef,
    description: 'Every new attempt as it happens (server-sent events).',
    authScopes: { scope: 'audit:read' },
    args: { filter: t.arg({ type: EventFilter }) },
    subscribe: (_, args, ctx) => ctx.services.audit.subscribe(toFilter(args.filter)),
    resolve: (event) => event,
  }),
}));
