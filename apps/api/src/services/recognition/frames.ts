import {
  checkQuality,
  fuseLivenessScores,
  livenessVerdict,
  type DecisionConfig,
  type LivenessPoints,
  type LivenessVerdict,
} from '@facegate/face-core';
import { BusyError, FaceRejectedError, UnavailableError, type FaceRejectionCode } from '../../errors.ts';
import { isQueueFull, isWorkerExit } from '../../recognizer/pool.ts';
import type { DoorFrame } from '../adaptive-templates.ts';
import { photoFacesOf, serializePhotoFaces, type PhotoFaces } from '../photo-faces.ts';
import { Refusal, refusal } from './attempt.ts';
import type { ImageInput, RecognitionDeps } from './types.ts';

/** What the face engine saw in an attempt's frames. */
export interface Probe {
  /** The frames the face decision is made on. */
  readonly faces: DoorFrame[];
  readonly thumbnail: Uint8Array;
  readonly model: string;
  readonly liveness: number | null;
  readonly livenessVerdict: LivenessVerdict | null;
  /** Every face of every frame, so that a second face in the photo is shown, not silently dropped. */
  readonly photos: PhotoFaces[];
  /** The audit keeps the boxes of the first frame (never the photo itself). */
  readonly photoFaces: string | null;
}

/** The face engine's answer; an overload or a crash ends the attempt as a Refusal (audited). */
async function analyze(deps: RecognitionDeps, bytes: Uint8Array, liveness: boolean) {
  try {
    const result = await deps.recognizer.analyze({ image: bytes, faces: 'largest', liveness });
    if (result.timings) deps.observeStages?.(result.timings);
    // Probes compare only with encodings of their own encoder (the gallery's, under its head if any);
    // a mismatch is a fault, audited and answered as one.
    const encoder = deps.gallery.head?.encoderModelId ?? deps.gallery.model;
    if (result.ok && result.model !== encoder)
      throw new Error(`the probe was encoded with ${result.model}; the gallery holds ${encoder}'s encodings`);
    return result;
  } catch (error) {
    if (isQueueFull(error)) throw refusal('busy', new BusyError(1));
    // The worker thread died under this photo (piscina replaces it): the door may simply retry.
    if (isWorkerExit(error))
      throw refusal('internal_error', new UnavailableError('the face engine stopped during this attempt (it was restarted): retry'));
    throw refusal('internal_error', error as Error);
  }
}

/**
 * Runs the face engine on every frame. Frames without a usable face are left out; when none has one,
 * the attempt ends as a Refusal (an error, answered as the first frame's typed error).
 */
export async function probe(
  deps: RecognitionDeps,
  images: readonly ImageInput[],
  points: LivenessPoints | null,
  gates: DecisionConfig['gates'],
): Promise<Probe> {
  const faces: DoorFrame[] = [];
  const photos: PhotoFaces[] = [];
  // The liveness score of each face in `faces` that passed the quality gates (undefined otherwise).
  const frameLiveness: (number | undefined)[] = [];
  let thumbnail: Uint8Array | null = null;
  let model = '';
  let failure: { code: FaceRejectionCode; message: string } | null = null;
  for (const image of images) {
    let bytes: Uint8Array;
    try {
      bytes = typeof image === 'function' ? await image() : image;
    } catch (error) {
      if (!(error instanceof FaceRejectedError)) throw error;
      failure ??= { code: error.code as FaceRejectionCode, message: error.message };
      continue;
    }
    const result = await analyze(deps, bytes, points !== null);
    model = result.model;
    const photo = photoFacesOf(result.photo, 'largest');
    if (photo) photos.push(photo);
    if (!result.ok) {
      failure ??= { code: result.code as FaceRejectionCode, message: result.message };
      continue;
    }
    const face = result.faces[0]!;
    faces.push({ encoding: face.encoding, quality: face.quality, thumbnail: face.thumbnail, score: face.score });
    thumbnail ??= face.thumbnail;
    // Liveness is judged on the frames fit to decide on: a face too small or blurred to compare is
    // refused by the quality gates for what it is, not scored as an attack.
    frameLiveness.push(face.liveness !== undefined && checkQuality(face.quality, gates).pass ? face.liveness : undefined);
  }
  const photoFaces = serializePhotoFaces(photos[0] ?? null);
  if (faces.length === 0 || !thumbnail) {
    const code = failure?.code ?? 'NO_FACE';
    throw new Refusal(
      { decision: 'error', reason: code.toLowerCase(), model, framesUsed: 0, photoFaces },
      (event) => new FaceRejectedError(code, failure?.message ?? 'no face found', event.id),
    );
  }
  // A burst is live when most of its frames look live (fuseLivenessScores gives the measurements).
  const liveness = fuseLivenessScores(frameLiveness.filter((v) => v !== undefined));
  const verdict = points && liveness !== null ? livenessVerdict(liveness, points) : null;
  // A frame that looks worse than the burst is left out of the face decision: below the live point in
  // a live burst, below the attack point otherwise. A lookalike who flashes one print of the victim
  // among live frames of himself must not pull the fused template towards the victim.
  const cutoff = points === null ? null : verdict === 'live' ? points.live : points.attack;
  const decideOn = cutoff === null ? faces : faces.filter((_, i) => (frameLiveness[i] ?? 1) >= cutoff);
  return { faces: decideOn, thumbnail, model, liveness, livenessVerdict: verdict, photos, photoFaces };
}
