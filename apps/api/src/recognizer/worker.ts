// One face engine per worker thread: TensorFlow.js's wasm backend runs one thread, so the pool is how
// recognition uses every core without blocking the API's event loop.
import { createFaceEngine, decodeImage, FaceError, loadLiveness, type EncodedFace, type FaceEngine, type FaceQuality, type LivenessChecker, type StageTimings } from '@facegate/face-core';
import sharp from 'sharp';

export interface AnalyzeTask {
  readonly image: Uint8Array;
  /** 'one': exactly one face (several is an error); 'largest': the largest of several; 'all': every face. */
  readonly faces: 'one' | 'largest' | 'all';
  /** Also score each face's liveness (presentation-attack check) on the decoded photo. */
  readonly liveness?: boolean;
}

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
  | { readonly ok: true; readonly faces: AnalyzedFace[]; readonly model: string; readonly timings?: StageTimings }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly model: string; readonly timings?: StageTimings };

let engine: Promise<FaceEngine> | undefined;
let liveness: Promise<LivenessChecker> | undefined;

async function describe(face: EncodedFace): Promise<AnalyzedFace> {
  const thumbnail = await sharp(face.chip.data, { raw: { width: face.chip.width, height: face.chip.height, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
  return { box: face.box, score: face.score, encoding: face.encoding, quality: face.quality, thumbnail: new Uint8Array(thumbnail) };
}

/** Piscina's entry point: errors that the caller expects come back as values, not exceptions. */
export default async function analyze(task: AnalyzeTask): Promise<AnalyzeResult> {
  engine ??= createFaceEngine();
  const faceEngine = await engine;
  const timings: StageTimings = { decodeMs: 0, detectMs: 0, alignMs: 0, encodeMs: 0 };
  try {
    // The liveness check looks at the photo around the face, so the photo is decoded once here.
    const started = performance.now();
    const image = task.liveness ? await decodeImage(task.image) : task.image;
    const decodeMs = performance.now() - started;
    const faces =
      task.faces === 'all'
        ? await faceEngine.findFaces(image, timings)
        : [await faceEngine.encodeFace(image, { multiple: task.faces === 'largest' ? 'largest' : 'error', timings })];
    if (task.liveness) timings.decodeMs = decodeMs;
    const checker = task.liveness ? await (liveness ??= loadLiveness()) : null;
    const described = await Promise.all(
      faces.map(async (face) => ({ ...(await describe(face)), ...(checker && typeof image !== 'string' && 'data' in image ? { liveness: checker.check(image, face).score } : {}) })),
    );
    return { ok: true, faces: described, model: faceEngine.modelId, timings };
  } catch (error) {
    if (error instanceof FaceError) return { ok: false, code: error.code, message: error.message, model: faceEngine.modelId, timings };
    throw error;
  }
}
