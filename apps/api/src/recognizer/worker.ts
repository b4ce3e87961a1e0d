// One face engine per worker thread: TensorFlow.js's wasm backend runs one thread, so the pool is how
// recognition uses every core without blocking the API's event loop.
import {
  createFaceEngine,
  decodeImage,
  FaceError,
  faceRefusal,
  loadLiveness,
  type EncodedFace,
  type FaceEngine,
  type FaceQuality,
  type LivenessChecker,
  type PhotoSeen,
  type RgbImage,
  type StageTimings,
} from '@facegate/face-core';
import sharp from 'sharp';

export interface AnalyzeTask {
  readonly image: Uint8Array;
  /** 'one': exactly one face (several is an error); 'largest': the largest of several; 'all': every face. */
  readonly faces: 'one' | 'largest' | 'all';
  /** Also score each face's liveness (presentation-attack check) on the decoded photo. */
  readonly liveness?: boolean;
  /** Also return the photo downscaled (ORIGINAL_MAX_SIDE) as JPEG: enrolment keeps it beside the chip. */
  readonly original?: boolean;
}

/** The longest side of a kept original: enough to see the scene and the face boxes, not a full-size copy. */
export const ORIGINAL_MAX_SIDE = 640;

export interface AnalyzedFace {
  readonly box: { x: number; y: number; width: number; height: number };
  readonly score: number;
  readonly encoding: number[];
  readonly quality: FaceQuality;
  /** The aligned 150x150 face as JPEG. */
  readonly thumbnail: Uint8Array;
  /** Liveness score in [0, 1] (1 = live), when asked for. */
  readonly liveness?: number;
}

export type AnalyzeResult =
  | {
      readonly ok: true;
      readonly faces: AnalyzedFace[];
      readonly model: string;
      readonly timings?: StageTimings;
      readonly photo?: PhotoSeen;
      readonly original?: Uint8Array;
    }
  | {
      readonly ok: false;
      readonly code: string;
      readonly message: string;
      readonly model: string;
      readonly timings?: StageTimings;
      readonly photo?: PhotoSeen;
    };

let engine: Promise<FaceEngine> | undefined;
let liveness: Promise<LivenessChecker> | undefined;

async function describe(face: EncodedFace): Promise<AnalyzedFace> {
  const thumbnail = await sharp(face.chip.data, { raw: { width: face.chip.width, height: face.chip.height, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
  return { box: face.box, score: face.score, encoding: face.encoding, quality: face.quality, thumbnail: new Uint8Array(thumbnail) };
}

/** The decoded photo (EXIF orientation applied) as a JPEG no larger than ORIGINAL_MAX_SIDE: face boxes in decoded pixels scale onto it. */
async function downscaled(image: RgbImage): Promise<Uint8Array> {
  const jpeg = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize({ width: ORIGINAL_MAX_SIDE, height: ORIGINAL_MAX_SIDE, fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 80 })
    .toBuffer();
  return new Uint8Array(jpeg);
}

/** Piscina's entry point: errors that the caller expects come back as values, not exceptions. */
export default async function analyze(task: AnalyzeTask): Promise<AnalyzeResult> {
  engine ??= createFaceEngine();
  const faceEngine = await engine;
  // A photo that cannot be decoded took no stage of the engine's (zeros, as the metrics always had).
  let timings: StageTimings = { decodeMs: 0, detectMs: 0, alignMs: 0, encodeMs: 0 };
  try {
    // The liveness check looks at the photo around the face, so the photo is decoded once here.
    const started = performance.now();
    const image = task.liveness || task.original ? await decodeImage(task.image) : task.image;
    const decodeMs = performance.now() - started;
    const analysis = await faceEngine.analyze(image, task.faces);
    timings = task.liveness || task.original ? { ...analysis.timings, decodeMs } : analysis.timings;
    const photo = analysis.seen;
    const refusal = faceRefusal(analysis, task.faces);
    if (refusal) return { ok: false, code: refusal.code, message: refusal.message, model: faceEngine.modelId, timings, photo };
    const checker = task.liveness ? await (liveness ??= loadLiveness()) : null;
    const described = await Promise.all(
      analysis.faces.map(async (face) => ({
        ...(await describe(face)),
        ...(checker && typeof image !== 'string' && 'data' in image ? { liveness: (await checker.check(image, face)).score } : {}),
      })),
    );
    const original = task.original && typeof image !== 'string' && 'data' in image ? await downscaled(image) : undefined;
    return { ok: true, faces: described, model: faceEngine.modelId, timings, photo, ...(original ? { original } : {}) };
  } catch (error) {
    if (error instanceof FaceError) return { ok: false, code: error.code, message: error.message, model: faceEngine.modelId, timings };
    throw error;
  }
}
