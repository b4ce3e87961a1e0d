import type { PhotoFacesView, QualityCheckView } from './photo-faces';

export type Decision = 'ACCEPTED' | 'REFUSED' | 'STEP_UP' | 'ERROR';

export interface PersonSummary {
  id: string;
  name: string;
  cardId: string | null;
  active: boolean;
  sampleCount: number;
  thumbnail: string | null;
}

export interface FaceSample {
  id: string;
  thumbnail: string;
  /** The enrolment photo, downscaled; null for samples enrolled before originals were kept. */
  original: string | null;
  photo: PhotoFacesView | null;
  qualityChecks: QualityCheckView[];
  detectionScore: number;
  createdAt: string;
}

export interface Door {
  id: string;
  name: string;
  location: string | null;
}

export interface RecognitionEvent {
  id: string;
  createdAt: string;
  kind: 'VERIFY' | 'IDENTIFY';
  door: { id: string; name: string } | null;
  apiKeyId: string | null;
  adminId: string | null;
  claimedLabel: string | null;
  claimedPersonId: string | null;
  decidedLabel: string | null;
  decidedPersonId: string | null;
  distance: number | null;
  threshold: number;
  decision: Decision;
  reason: string;
  thumbnail: string | null;
}

export const EVENT_FIELDS = `id createdAt kind door { id name } apiKeyId adminId claimedLabel claimedPersonId decidedLabel decidedPersonId distance threshold decision reason thumbnail`;

/** What an action tells its form. */
export type ActionResult<T = undefined> =
  { ok: true; data: T; message?: string } | { ok: false; error: string; fieldErrors?: Record<string, string> };
