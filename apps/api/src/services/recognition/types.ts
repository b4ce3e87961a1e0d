import type { LivenessPoints, StageTimings } from '@facegate/face-core';
import type { Gallery } from '../../recognizer/gallery.ts';
import type { Recognizer } from '../../recognizer/pool.ts';
import type { AccessPolicy } from '../../policy/access-policy.ts';
import type { AdaptiveTemplates } from '../adaptive-templates.ts';
import type { AuditService, RecognitionEventRow } from '../audit.ts';
import type { PhotoFaces } from '../photo-faces.ts';
import type { Prisma } from '../../db/prisma.ts';
import type { RateLimits } from '../rate-limits.ts';
import type { SettingsService } from '../settings/settings.ts';

export type Decision = 'accepted' | 'refused' | 'step_up' | 'error';

/** The photo, or a function reading it (an upload), so that a refused upload is audited like any attempt. */
export type ImageInput = Uint8Array | (() => Promise<Uint8Array>);

/** A door may send a burst of frames of one attempt; the decision fuses those that pass the quality gates. */
export const MAX_FRAMES = 5;

/** A step-up waits this long for its second factor, then is refused as `step_up_expired`. */
export const STEP_UP_SECONDS = 60;
/** Wrong PINs allowed in one attempt; the last one refuses it as `pin_failed`. */
export const PIN_TRIES = 3;
/** Wrong PINs for one person, across attempts, in an hour, before their PIN is refused as `pin_locked`. */
export const PIN_LOCKOUT_TRIES = 10;

export interface VerifyInput {
  readonly personId?: string | null;
  readonly name?: string | null;
  readonly cardId?: string | null;
  /** One photo, or the frames of one attempt (1 to MAX_FRAMES). */
  readonly images: readonly ImageInput[];
  readonly doorId?: string | null;
}

export interface IdentifyInput {
  readonly images: readonly ImageInput[];
  readonly doorId?: string | null;
  readonly candidates?: number;
}

export interface RecognitionOutcome {
  readonly decision: Decision;
  readonly reason: string;
  readonly distance: number | null;
  readonly threshold: number;
  /** Between threshold and this, the answer is STEP_UP (when step-up is on). */
  readonly stepUpThreshold: number;
  readonly personId: string | null;
  readonly candidates: readonly { personId: string; distance: number }[];
  readonly framesUsed: number;
  readonly event: RecognitionEventRow;
  /** STEP_UP: PIN tries left in this attempt (null when the person has no PIN to complete it with). */
  readonly pinTriesLeft?: number | null;
  /** What the detector saw in each frame analysed (every face, the one compared marked). */
  readonly photos?: readonly PhotoFaces[];
  /** The liveness points in force where the attempt was made (null: the check is off there). */
  readonly livenessPoints?: LivenessPoints | null;
}

export interface RecognitionDeps {
  readonly prisma: Prisma;
  readonly recognizer: Recognizer;
  readonly gallery: Gallery;
  readonly settings: SettingsService;
  readonly audit: AuditService;
  readonly rateLimits: RateLimits;
  readonly policy: AccessPolicy;
  readonly now: () => Date;
  /** Templates that learn the doors' cameras (off unless the site and the door turn it on). */
  readonly adaptive: AdaptiveTemplates;
  /** Per-stage times of each photo analysed (metrics). */
  readonly observeStages?: (timings: StageTimings) => void;
}
