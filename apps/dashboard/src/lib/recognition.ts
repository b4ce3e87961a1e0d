import { PHOTO_FIELDS, type PhotoFacesView } from './photo-faces';
import type { Decision } from './types';

/** What the verify and identify consoles show of one attempt. */
export interface RecognitionView {
  decision: Decision;
  reason: string;
  distance: number | null;
  threshold: number;
  /** Between threshold and this distance the answer is STEP_UP (a second factor may complete it). */
  stepUpThreshold: number;
  stepUpReason: string | null;
  /** What the detector saw in the photo: every face, the one compared marked. */
  photos: PhotoFacesView[];
  person: { id: string; name: string; thumbnail: string | null } | null;
  candidates: { distance: number; person: { id: string; name: string; thumbnail: string | null } | null }[];
  /** The liveness score (1 = live) when the check ran, and the points in force where it was made. */
  livenessScore: number | null;
  livenessPoints: { attack: number; live: number } | null;
  /** STEP_UP: PIN tries left; null when nobody it could complete for has a PIN. */
  pinTriesLeft: number | null;
  event: {
    id: string;
    thumbnail: string | null;
    doorId: string | null;
    markedLive: boolean | null;
    /** Ambiguous: the other person too close to call (administrators read it in the audit log too). */
    rivalPersonId: string | null;
    rivalLabel: string | null;
    rivalDistance: number | null;
  };
}

export const RESULT_FIELDS = `decision reason distance threshold stepUpThreshold stepUpReason livenessScore livenessPoints { attack live } pinTriesLeft photos { ${PHOTO_FIELDS} } person { id name thumbnail } candidates { distance person { id name thumbnail } } event { id thumbnail doorId markedLive rivalPersonId rivalLabel rivalDistance }`;

/** Reasons the access policy gives after the face matched: the door stays shut for the rules, not the face. */
export const POLICY_REASONS = new Set([
  'inactive',
  'not_allowed_here',
  'outside_schedule',
  'pass_expired',
  'pass_not_yet_valid',
  'pass_revoked',
  'too_few_frames',
]);

export interface ConsoleState {
  error?: string;
  result?: RecognitionView;
  /** The photo sent, as an object URL of the browser (the boxes are drawn over it). */
  photoUrl?: string;
  at?: number;
}
