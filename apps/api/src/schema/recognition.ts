import { builder } from '../builder.ts';
import { can } from '../auth/viewer.ts';
import { unavailableError } from '../db/unavailable.ts';
import { BusyError, FaceRejectedError, InvalidInputError, RateLimitedError, UnavailableError } from '../errors.ts';
import { STEP_UP_SECONDS, type RecognitionOutcome } from '../services/recognition.ts';
import { LivenessPointsRef } from './door.ts';
import { COMMON_ERRORS } from './errors.ts';
import { PersonRef } from './person.ts';
import { onlyUsedFace, parsePhotoFaces } from '../services/photo-faces.ts';
import { PhotoFacesRef } from './photo.ts';
import { readUpload } from './uploads.ts';
import { AUDIT_ONLY, COARSE_REASON, Decision, doorReason, RecognitionEventRef } from './recognition-event.ts';

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
