import { resolveOffsetConnection } from '@pothos/plugin-relay';
import { builder } from '../builder.ts';
import { can } from '../auth/viewer.ts';
import { unavailableError } from '../db/unavailable.ts';
import { BusyError, FaceRejectedError, InvalidInputError, RateLimitedError, UnavailableError } from '../errors.ts';
import { isTimeZone } from '../policy/schedule.ts';
import { serverTimeZone } from '../services/access.ts';
import { STEP_UP_SECONDS, type RecognitionOutcome } from '../services/recognition.ts';
import type { RecognitionEventModel } from '../db/prisma.ts';
import { DoorRef, LivenessPointsRef } from './door.ts';
import { COMMON_ERRORS } from './errors.ts';
import { PersonRef } from './person.ts';
import { jpegDataUrl } from './scalars.ts';
import { onlyUsedFace, parsePhotoFaces } from '../services/photo-faces.ts';
import { PhotoFacesRef } from './photo.ts';
import { readUpload } from './uploads.ts';

export const RecognitionEventRef = builder.objectRef<RecognitionEventModel>('RecognitionEvent');

export const Decision = builder.enumType('Decision', {
  description:
    'ACCEPTED opens the door. REFUSED and ERROR keep it shut. STEP_UP keeps it shut unless a second factor (PIN, card) completes the attempt: a borderline distance, two people too close to call, or a face not clearly live (liveness_uncertain).',
  values: {
    ACCEPTED: { value: 'accepted' },
    REFUSED: { value: 'refused' },
    STEP_UP: { value: 'step_up' },
    ERROR: { value: 'error' },
  } as const,
});
type DecisionValue = 'accepted' | 'refused' | 'step_up' | 'error';
const Kind = builder.enumType('RecognitionKind', { values: { VERIFY: { value: 'verify' }, IDENTIFY: { value: 'identify' } } as const });

// Checked per field: a door reads its own attempt's decision and a coarse reason; who was claimed,
// decided or seen, the scores and the exact reason are the audit log's (audit:read), the face seen is
// faces:read.
const AUDIT = { scope: 'audit:read' } as const;
const AUDIT_ONLY = { authScopes: AUDIT, unauthorizedResolver: () => null } as const;

/** Reasons a door is told to try again: the photo or the moment, not the person. */
const TRY_AGAIN = new Set([
  'too_few_frames',
  'no_face',
  'multiple_faces',
  'face_too_small',
  'too_blurry',
  'pose',
  'too_dark',
  'too_bright',
  'invalid_image',
  'image_too_large',
  'invalid_input',
  'rate_limited',
  'busy',
]);
/**
 * What a caller without audit:read (a door) is told of why: enough to act on, nothing to learn from.
 * Not no_match against unknown_person (who is enrolled), nor borderline (how near a fake face came).
 */
export function doorReason(decision: string, reason: string): 'accepted' | 'step_up' | 'try_again' | 'refused' {
  if (decision === 'accepted') return 'accepted';
  if (decision === 'step_up') return 'step_up';
  return TRY_AGAIN.has(reason) ? 'try_again' : 'refused';
}
const COARSE_REASON =
  'A caller without audit:read (a door) gets only accepted, step_up, try_again (the photo or the moment: send new frames) or refused.';
RecognitionEventRef.implement({
  description: 'One verification or identification attempt (the audit log).',
  fields: (t) => ({
    id: t.exposeID('id'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    kind: t.field({ type: Kind, resolve: (e) => e.kind as 'verify' | 'identify' }),
    doorId: t.exposeID('doorId', { nullable: true }),
    apiKeyId: t.exposeID('apiKeyId', { nullable: true, authScopes: AUDIT, unauthorizedResolver: () => null }),
    adminId: t.exposeID('adminId', { nullable: true, authScopes: AUDIT, unauthorizedResolver: () => null }),
    claimedPersonId: t.exposeID('claimedPersonId', { nullable: true, authScopes: AUDIT, unauthorizedResolver: () => null }),
    claimedLabel: t.exposeString('claimedLabel', { nullable: true, authScopes: AUDIT, unauthorizedResolver: () => null }),
    decidedPersonId: t.exposeID('decidedPersonId', { nullable: true, authScopes: AUDIT, unauthorizedResolver: () => null }),
    decidedLabel: t.exposeString('decidedLabel', { nullable: true, authScopes: AUDIT, unauthorizedResolver: () => null }),
    distance: t.exposeFloat('distance', { nullable: true, ...AUDIT_ONLY }),
    threshold: t.exposeFloat('threshold', { nullable: true, ...AUDIT_ONLY }),
    model: t.exposeString('model', { nullable: true, ...AUDIT_ONLY }),
    // Who the rival was is the register's business, not the door's.
    rivalPersonId: t.exposeID('rivalPersonId', {
      nullable: true,
      authScopes: AUDIT,
      unauthorizedResolver: () => null,
      description: 'An ambiguous answer: the other person too close to call.',
    }),
    rivalLabel: t.exposeString('rivalLabel', { nullable: true, authScopes: AUDIT, unauthorizedResolver: () => null }),
    rivalDistance: t.exposeFloat('rivalDistance', { nullable: true, ...AUDIT_ONLY }),
    livenessScore: t.exposeFloat('livenessScore', {
      nullable: true,
      authScopes: AUDIT,
      unauthorizedResolver: () => null,
      description: 'The lowest liveness score of the attempt (1 = live), when the check ran.',
    }),
    frames: t.exposeInt('frames', { description: 'Frames sent in the attempt.' }),
    framesUsed: t.exposeInt('framesUsed', {
      nullable: true,
      ...AUDIT_ONLY,
      description:
        'Frames fused into the face compared: those that passed the quality gates and, with liveness on, did not look like an attack on their own.',
    }),
    stepUpReason: t.exposeString('stepUpReason', {
      nullable: true,
      ...AUDIT_ONLY,
      description: 'Why a second factor was asked: borderline, ambiguous, liveness_uncertain or pin_required.',
    }),
    stepUpPersonId: t.exposeID('stepUpPersonId', {
      nullable: true,
      authScopes: AUDIT,
      unauthorizedResolver: () => null,
      description: 'Whose PIN completes the step-up.',
    }),
    learntSampleId: t.exposeID('learntSampleId', {
      nullable: true,
      ...AUDIT_ONLY,
      description:
        "The adaptive sample this acceptance's frame was added as (the door learns the person's face where settings.adaptiveTemplates allow it); null when none was. Kept when the sample is removed.",
    }),
    pinTries: t.exposeInt('pinTries', { description: 'PINs tried to complete a step-up.' }),
    completedAt: t.expose('completedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When a step-up was completed (accepted or refused).',
    }),
    markedLive: t.boolean({
      nullable: true,
      description:
        'An administrator marked this refused attempt "this was a live person" (markAttemptLive): its door\'s liveness calibration reads its score (scope audit:read).',
      ...AUDIT_ONLY,
      resolve: (e, _, ctx) => ctx.services.livenessCalibration.isMarkedLive(e.id),
    }),
    decision: t.field({ type: Decision, resolve: (e) => e.decision as DecisionValue }),
    reason: t.string({
      resolve: (e, _, ctx) => (can(ctx.viewer, 'audit:read') ? e.reason : doorReason(e.decision, e.reason)),
      description:
        COARSE_REASON +
        ' With audit:read: match, no_match, not_in_database, ambiguous, borderline, presentation_attack, unknown_person, inactive, not_enrolled; access policy: not_allowed_here, outside_schedule, pass_expired, pass_not_yet_valid, pass_revoked, too_few_frames; step-up: pin_required, pin_ok, pin_failed, pin_locked, step_up_expired, no_second_factor, unknown_attempt; face_too_small, too_blurry, pose, too_dark, too_bright (quality gates); no_face, multiple_faces, invalid_image, image_too_large, rate_limited',
    }),
    thumbnail: t.string({
      nullable: true,
      description: 'The face seen, as a JPEG data: URL (scope faces:read).',
      authScopes: { scope: 'faces:read' },
      unauthorizedResolver: () => null,
      resolve: (e, _, ctx) => jpegDataUrl(e.thumbnail ? ctx.services.cipher.open(e.thumbnail) : null),
    }),
    door: t.field({
      type: DoorRef,
      nullable: true,
      description: 'The door, while it exists (doorName stays).',
      resolve: (e, _, ctx) => (e.doorId ? ctx.services.access.doors.get(e.doorId) : null),
    }),
    doorName: t.exposeString('doorLabel', {
      nullable: true,
      description: "The door's name at the time of the attempt, kept when the door is renamed or deleted.",
    }),
    photo: t.field({
      type: PhotoFacesRef,
      nullable: true,
      description:
        'What the detector saw in the first frame: its size and every face’s box, the one compared marked (scope audit:read; the photo itself is not kept).',
      authScopes: AUDIT,
      unauthorizedResolver: () => null,
      resolve: (e) => parsePhotoFaces(e.photoFaces),
    }),
  }),
});

const REGISTER = { scope: 'people:read' } as const;
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
    reason: t.string({
      description: `Why. ${COARSE_REASON}`,
      resolve: (r, _, ctx) => (can(ctx.viewer, 'audit:read') ? r.reason : doorReason(r.decision, r.reason)),
    }),
    // Scores are a gradient for tuning a fake face: administrators read them (here and in the audit), doors do not.
    distance: t.exposeFloat('distance', { nullable: true, ...AUDIT_ONLY, description: 'The distance compared (scope audit:read).' }),
    threshold: t.exposeFloat('threshold', {
      nullable: true,
      ...AUDIT_ONLY,
      description:
        'Accepted under this distance (calibrated for the false-accept target; for identification, for the gallery size; scope audit:read).',
    }),
    stepUpThreshold: t.exposeFloat('stepUpThreshold', {
      nullable: true,
      ...AUDIT_ONLY,
      description: 'Between threshold and this distance the answer is STEP_UP (when step-up is on; scope audit:read).',
    }),
    framesUsed: t.exposeInt('framesUsed', {
      nullable: true,
      ...AUDIT_ONLY,
      description:
        'Frames fused into the face compared (passed the quality gates and, with liveness on, did not look like an attack on their own; scope audit:read).',
    }),
    livenessScore: t.float({
      nullable: true,
      ...AUDIT_ONLY,
      description: 'The liveness score of the attempt (1 = live), when the check ran (scope audit:read).',
      resolve: (r) => r.event.livenessScore,
    }),
    livenessPoints: t.field({
      type: LivenessPointsRef,
      nullable: true,
      ...AUDIT_ONLY,
      description:
        'The liveness points in force where the attempt was made: under `attack` refused as a presentation attack, under `live` a matching face is asked for the PIN (null: the check is off; scope audit:read).',
      resolve: (r) => r.livenessPoints ?? null,
    }),
    person: t.field({
      type: PersonRef,
      nullable: true,
      description: 'The person accepted. With people:read also the person claimed (verify) when refused.',
      resolve: (r, _, ctx) =>
        r.personId && (r.decision === 'accepted' || can(ctx.viewer, 'people:read')) ? ctx.services.people.get(r.personId) : null,
    }),
    candidates: t.field({
      type: [Candidate],
      description: 'Identify: the nearest people, nearest first (scope people:read; empty for a door).',
      authScopes: REGISTER,
      unauthorizedResolver: () => [],
      resolve: (r) => [...r.candidates],
    }),
    event: t.field({ type: RecognitionEventRef, resolve: (r) => r.event }),
    photos: t.field({
      type: [PhotoFacesRef],
      description:
        'What the detector saw in each frame: its size and every face, the one compared marked, and why the others were not. A caller without faces:read (a door) gets only the box of the face it was judged on.',
      resolve: (r, _, ctx) => {
        const photos = r.photos ?? [parsePhotoFaces(r.event.photoFaces)].filter((p) => p !== null);
        return can(ctx.viewer, 'faces:read') ? [...photos] : photos.map(onlyUsedFace);
      },
    }),
    attemptId: t.id({ description: 'The attempt (its audit event): completeStepUp takes it.', resolve: (r) => r.event.id }),
    stepUpReason: t.string({
      nullable: true,
      ...AUDIT_ONLY,
      description: 'STEP_UP: borderline, ambiguous, liveness_uncertain or pin_required (scope audit:read).',
      resolve: (r) => (r.decision === 'step_up' ? r.event.stepUpReason : null),
    }),
    pinTriesLeft: t.int({
      nullable: true,
      description: 'STEP_UP: PINs that may still be tried; null when nobody it could complete for has a PIN.',
      resolve: (r) => r.pinTriesLeft ?? null,
    }),
    stepUpExpiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'STEP_UP: completeStepUp must come before this.',
      resolve: (r) => (r.decision === 'step_up' ? new Date(r.event.createdAt.getTime() + STEP_UP_SECONDS * 1000) : null),
    }),
  }),
});

const VerifyInput = builder.inputType('VerifyFaceInput', {
  fields: (t) => ({
    personId: t.id(),
    name: t.string(),
    cardId: t.string(),
    image: t.field({ type: 'File', description: 'One photo; or send `frames`.' }),
    frames: t.field({ type: ['File'], description: 'A burst of 2-5 frames of one attempt; those passing the quality gates are fused.' }),
    doorId: t.id(),
  }),
});

/** The attempt's photos, read when the service asks (so an oversized one is audited like any refusal). */
function uploads(
  ctx: { services: { maxUploadBytes: number } },
  image: File | null | undefined,
  frames: readonly File[] | null | undefined,
) {
  if (image && frames?.length) throw new InvalidInputError('send either `image` or `frames`, not both');
  const files = image ? [image] : [...(frames ?? [])];
  return files.map((file) => () => readUpload(file, ctx.services.maxUploadBytes));
}

const RECOGNITION_ERRORS = [...COMMON_ERRORS, FaceRejectedError, RateLimitedError, BusyError, UnavailableError];

/** A database fault during an attempt is answered as UNAVAILABLE (typed), not as a masked error. */
const typedFaults = <T>(attempt: Promise<T>): Promise<T> =>
  attempt.catch((error: unknown) => {
    throw unavailableError(error) ?? error;
  });

builder.mutationFields((t) => ({
  verifyFace: t.field({
    type: RecognitionResult,
    description: '1:1 - is the face in `image` the person claimed (by id, name or card)? Writes one audit event.',
    // Scope and door are checked by the recognition service, so that a refused caller is audited too.
    errors: { types: RECOGNITION_ERRORS },
    args: { input: t.arg({ type: VerifyInput, required: true }) },
    resolve: (_, { input }, ctx) =>
      typedFaults(
        ctx.services.recognition.verify(ctx.viewer, {
          personId: input.personId ? String(input.personId) : null,
          name: input.name,
          cardId: input.cardId,
          doorId: input.doorId ? String(input.doorId) : null,
          images: uploads(ctx, input.image, input.frames),
        }),
      ),
  }),
  completeStepUp: t.field({
    type: RecognitionResult,
    description:
      "The second factor of a STEP_UP answer: the PIN of the person recognised. Only the caller who made the attempt, within 60 s, at most 3 PINs; the attempt stays one audit event. ACCEPTED opens the door; STEP_UP means a wrong PIN with tries left; REFUSED ends it (pin_failed, pin_locked, step_up_expired, no_second_factor, or the access policy). A PIN for an attempt that is not the caller's is NOT_FOUND, audited as unknown_attempt.",
    errors: { types: COMMON_ERRORS },
    args: { attemptId: t.arg.id({ required: true }), pin: t.arg.string({ required: true }) },
    resolve: (_, args, ctx) => ctx.services.recognition.completeStepUp(ctx.viewer, String(args.attemptId), args.pin),
  }),
  markAttemptLive: t.field({
    type: RecognitionEventRef,
    description:
      "An administrator's word that a refused (or never completed) attempt at a door was a live person: its liveness score joins what the door's calibration reads (doorLivenessCalibration). Only attempts scored by the check, at a door, not accepted. Logged in the admin log.",
    authScopes: { scope: 'admin' },
    errors: { types: COMMON_ERRORS },
    args: { attemptId: t.arg.id({ required: true }) },
    resolve: async (_, { attemptId }, ctx) => {
      await ctx.services.livenessCalibration.markLive(String(attemptId), ctx.viewer.kind === 'admin' ? ctx.viewer.id : null);
      return (await ctx.services.audit.get(String(attemptId)))!;
    },
  }),
  identifyFace: t.field({
    type: RecognitionResult,
    description: '1:K - who is the face in `image`, or nobody known. Writes one audit event.',
    // Scope and door are checked by the recognition service, so that a refused caller is audited too.
    errors: { types: RECOGNITION_ERRORS },
    args: {
      image: t.arg({ type: 'File', description: 'One photo; or send `frames`.' }),
      frames: t.arg({ type: ['File'], description: 'A burst of 2-5 frames of one attempt; those passing the quality gates are fused.' }),
      doorId: t.arg.id(),
      candidates: t.arg.int({ description: 'How many nearest people to list (1-20, default 5).' }),
    },
    resolve: (_, args, ctx) =>
      typedFaults(
        ctx.services.recognition.identify(ctx.viewer, {
          images: uploads(ctx, args.image, args.frames),
          doorId: args.doorId ? String(args.doorId) : null,
          candidates: args.candidates ?? 5,
        }),
      ),
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

type Filter =
  | {
      doorId?: string | number | null;
      personId?: string | number | null;
      decision?: string | null;
      kind?: string | null;
      from?: Date | null;
      to?: Date | null;
    }
  | null
  | undefined;
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

const DayStats = builder
  .objectRef<{ day: string; accepted: number; refused: number; stepUp: number; error: number }>('DayStats')
  .implement({
    fields: (t) => ({
      day: t.exposeString('day', { description: 'UTC day, YYYY-MM-DD.' }),
      accepted: t.exposeInt('accepted'),
      refused: t.exposeInt('refused'),
      stepUp: t.exposeInt('stepUp'),
      error: t.exposeInt('error'),
    }),
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
        ...(await resolveOffsetConnection({ args, defaultSize: 50, maxSize: 500 }, ({ offset, limit }) =>
          ctx.services.audit.list(filter, offset, limit),
        )),
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
    description:
      "Attempts per day and decision (default: the last 30 days), days counted in `timeZone` (IANA; default the server's, serverTimeZone).",
    authScopes: { scope: 'audit:read' },
    args: { from: t.arg({ type: 'DateTime' }), to: t.arg({ type: 'DateTime' }), timeZone: t.arg.string() },
    resolve: (_, args, ctx) => {
      const to = args.to ?? new Date();
      if (args.timeZone && !isTimeZone(args.timeZone))
        throw new InvalidInputError(
          `unknown time zone ${JSON.stringify(args.timeZone.slice(0, 60))}: give an IANA name such as Europe/Paris`,
        );
      return ctx.services.audit.stats(args.from ?? new Date(to.getTime() - 30 * 86_400_000), to, args.timeZone ?? serverTimeZone());
    },
  }),
  serverTimeZone: t.string({
    description: "The API server's IANA time zone (TZ, or the system's): new doors take it, and stats count days in it.",
    authScopes: { scope: 'audit:read' },
    resolve: () => serverTimeZone(),
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
