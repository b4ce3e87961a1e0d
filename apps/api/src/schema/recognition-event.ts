import { builder } from '../builder.ts';
import { can } from '../auth/viewer.ts';
import type { RecognitionEventModel } from '../db/prisma.ts';
import { DoorRef } from './door.ts';
import { jpegDataUrl } from './scalars.ts';
import { parsePhotoFaces } from '../services/photo-faces.ts';
import { PhotoFacesRef } from './photo.ts';

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
export const Kind = builder.enumType('RecognitionKind', {
  values: { VERIFY: { value: 'verify' }, IDENTIFY: { value: 'identify' } } as const,
});

// Checked per field: a door reads its own attempt's decision and a coarse reason; who was claimed,
// decided or seen, the scores and the exact reason are the audit log's (audit:read), the face seen is
// faces:read.
const AUDIT = { scope: 'audit:read' } as const;
export const AUDIT_ONLY = { authScopes: AUDIT, unauthorizedResolver: () => null } as const;

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
export const COARSE_REASON =
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
