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
  event: { id: string; thumbnail: string | null };
}

export const RESULT_FIELDS = `decision reason distance threshold stepUpThreshold stepUpReason photos { ${PHOTO_FIELDS} } person { id name thumbnail } candidates { distance person { id name thumbnail } } event { id thumbnail }`;

export interface ConsoleState {
  error?: string;
  result?: RecognitionView;
  /** The photo sent, as an object URL of the browser (the boxes are drawn over it). */
  photoUrl?: string;
  at?: number;
}
