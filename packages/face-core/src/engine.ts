import { alignFace } from './alignment/align.ts';
import { dlibChipTemplate } from './alignment/templates.ts';
import { ImagePyramid } from './alignment/warp.ts';
import { initBackend, type BackendName } from './backend.ts';
import type { DetectorConfig } from './detection/constants.ts';
import * as detection from './detection/blazeface.ts';
import type { EncoderConfig } from './encoding/constants.ts';
import { DEFAULT_ENCODER_CONFIG, ENCODER_INPUT_SIZE, encoderModelId } from './encoding/constants.ts';
import * as encoding from './encoding/dlib-resnet.ts';
import { MultipleFacesError, NoFaceError, type FaceError } from './errors.ts';
import type { Box } from './geometry.ts';
import type { DecodeConfig } from './image/constants.ts';
import { decodeImage, type ImageSource } from './image/decode.ts';
import type { RgbImage } from './image/rgb-image.ts';
import type { LandmarkConfig } from './landmarks/constants.ts';
import * as landmarks from './landmarks/landmark-68.ts';
import type { Point } from './ops/similarity-transform.ts';
import { measureQuality, type FaceQuality } from './quality.ts';

export interface EngineConfig {
  readonly decode?: Partial<DecodeConfig>;
  readonly detector?: Partial<DetectorConfig>;
  readonly landmarks?: Partial<LandmarkConfig>;
  readonly encoder?: Partial<EncoderConfig>;
  /** Where the networks run; by default initBackend's choice (ONNX Runtime when it loads). */
  readonly backend?: BackendName;
}

/** One face found in a photo, encoded. */
export interface EncodedFace {
  readonly box: Box;
  readonly score: number;
  /** The 68 iBUG landmarks in photo pixels. */
  readonly landmarks: readonly Point[];
  /** The aligned 150x150 crop the encoder saw. */
  readonly chip: RgbImage;
  readonly quality: FaceQuality;
  /** 128 numbers, L2-normalised. */
  readonly encoding: number[];
}

/** Milliseconds spent in each stage of reading one photo. */
export interface StageTimings {
  readonly decodeMs: number;
  readonly detectMs: number;
  readonly alignMs: number;
  readonly encodeMs: number;
}

export type MultipleFacesPolicy = 'largest' | 'error';

/**
 * What the detector saw in a photo: its size as decoded (EXIF orientation applied, after any
 * downscaling) and every face found, largest first, in those pixels. Given with a photo refused for
 * its faces too, so that a caller can show which face was used and why the others were not (a two-face
 * photo must not silently use the larger one).
 */
export interface PhotoSeen {
  readonly width: number;
  readonly height: number;
  readonly detections: readonly { box: Box; score: number }[];
}

/**
 * Which faces of a photo to encode: 'all' (searching small faces too, as findFaces), 'largest', or
 * 'one' (none when there are several: the photo is refused for it, see faceRefusal).
 */
export type FacesWanted = 'all' | 'largest' | 'one';

/** A photo read by the engine: the faces encoded, what the detector saw, and each stage's time. */
export interface PhotoAnalysis {
  readonly faces: EncodedFace[];
  readonly seen: PhotoSeen;
  readonly timings: StageTimings;
}

export interface FaceEngine {
  readonly backend: BackendName;
  /** Identifies the encoder; store it with every encoding. */
  readonly modelId: string;
  /**
   * The faces `wanted`, with what the detector saw and the time of each stage. A photo without the
   * faces wanted is answered, not thrown (faceRefusal says why); a photo that cannot be decoded throws.
   */
  analyze(source: ImageSource | RgbImage, wanted: FacesWanted): Promise<PhotoAnalysis>;
  /**
   * Every face in the photo, largest first, each encoded; an empty list when there is none. Searches
   * small faces too (group photos), which costs more than encodeFace's single-face path.
   */
  findFaces(source: ImageSource | RgbImage): Promise<EncodedFace[]>;
  /**
   * The one face of the photo. No face throws NoFaceError; several faces throw MultipleFacesError
   * unless `multiple` is 'largest'.
   */
  encodeFace(source: ImageSource | RgbImage, options?: { multiple?: MultipleFacesPolicy }): Promise<EncodedFace>;
  dispose(): void;
}

/** Why a photo analysed for `wanted` has not the faces wanted (null when it has). */
export function faceRefusal(analysis: PhotoAnalysis, wanted: FacesWanted): FaceError | null {
  const count = analysis.seen.detections.length;
  if (wanted !== 'all' && count === 0) return new NoFaceError();
  if (wanted === 'one' && count > 1) return new MultipleFacesError(count);
  return null;
}

/** encodeFace on top of analyze (an engine wrapping another one uses it too). */
async function encodeOneFace(
  engine: Pick<FaceEngine, 'analyze'>,
  source: ImageSource | RgbImage,
  multiple: MultipleFacesPolicy = 'error',
): Promise<EncodedFace> {
  const wanted = multiple === 'largest' ? 'largest' : 'one';
  const analysis = await engine.analyze(source, wanted);
  const refusal = faceRefusal(analysis, wanted);
  if (refusal) throw refusal;
  return analysis.faces[0]!;
}

export async function createFaceEngine(config: EngineConfig = {}): Promise<FaceEngine> {
  const backend = config.backend ?? (await initBackend());
  const [detector, locator, encoder] = await Promise.all([
    detection.load(config.detector, backend),
    landmarks.load(config.landmarks, backend),
    encoding.load(config.encoder, backend),
  ]);
  const template = dlibChipTemplate(ENCODER_INPUT_SIZE);

  /** Decodes, detects, then aligns and encodes the faces wanted (none of a photo refused for its faces). */
  async function analyze(source: ImageSource | RgbImage, wanted: FacesWanted): Promise<PhotoAnalysis> {
    const smallFaces = wanted === 'all';
    let t = performance.now();
    const lap = () => {
      const now = performance.now();
      const ms = now - t;
      t = now;
      return ms;
    };
    const image = isRgbImage(source) ? source : await decodeImage(source, config.decode);
    // Every crop of this photo (detector windows, landmark crops, chips, the liveness check's) samples one pyramid.
    const pyramid = ImagePyramid.of(image);
    const decodeMs = lap();
    let detected = await detector.detect(pyramid, smallFaces ? { smallFaces } : {});
    // Nothing at the fast setting: the face may be small in a large frame.
    if (detected.length === 0 && !smallFaces) detected = await detector.detect(pyramid, { smallFaces: true });
    detected.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
    const detectMs = lap();
    const seen: PhotoSeen = { width: image.width, height: image.height, detections: detected.map((d) => ({ box: d.box, score: d.score })) };
    // A photo refused for its faces is not worth encoding.
    const keep = wanted === 'all' ? detected.length : wanted === 'one' && detected.length > 1 ? 0 : 1;
    // All the faces kept go through the landmark network in one run, then the encoder in one.
    const kept = detected.slice(0, keep);
    const allPoints = await locator.locateAll(
      pyramid,
      kept.map((face) => face.box),
    );
    const located = kept.map((face, i) => ({ face, points: allPoints[i]!, chip: alignFace(pyramid, allPoints[i]!, template) }));
    const alignMs = lap();
    const encodings = located.length > 0 ? await encoder.encode(located.map((l) => l.chip)) : [];
    const encodeMs = lap();
    const faces = located.map(({ face, points, chip }, i) => ({
      box: face.box,
      score: face.score,
      landmarks: points,
      chip,
      quality: measureQuality(chip, points),
      encoding: encodings[i]!,
    }));
    return { faces, seen, timings: { decodeMs, detectMs, alignMs, encodeMs } };
  }

  return {
    backend,
    modelId: encoderModelId(config.encoder?.precision ?? DEFAULT_ENCODER_CONFIG.precision),
    analyze,
    findFaces: async (source) => (await analyze(source, 'all')).faces,
    encodeFace: (source, options = {}) => encodeOneFace({ analyze }, source, options.multiple),
    dispose() {
      detector.dispose();
      locator.dispose();
      encoder.dispose();
    },
  };
}

function isRgbImage(source: ImageSource | RgbImage): source is RgbImage {
  return typeof source === 'object' && 'data' in source && 'width' in source && 'height' in source;
}
