import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { ImagePyramid } from '../alignment/warp.ts';
import { ModelLoadError } from '../errors.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import type { Point } from '../ops/similarity-transform.ts';
import { probability, type LogisticModel } from './classifier.ts';
import { DEFAULT_LIVENESS_CONFIG, LIVENESS_MODEL_ID, type LivenessConfig, type LivenessOperatingPoint } from './constants.ts';
import { extractFeatures, FEATURE_GROUPS, type FeatureSpec } from './features.ts';
import type { LivenessArtefact } from './train.ts';

/** The committed artefact, written by `facegate train-liveness`. */
export const DEFAULT_WEIGHTS_PATH = fileURLToPath(new URL('./weights.json', import.meta.url));

/** What the check needs of a detected face: its 68 landmarks in photo pixels (EncodedFace has them). */
export interface LivenessFace {
  readonly landmarks: readonly Point[];
}

export interface LivenessResult {
  /** In [0, 1]: the classifier's probability that a live person is in front of the camera. */
  readonly score: number;
  /** score >= threshold. */
  readonly live: boolean;
  readonly threshold: number;
  readonly operatingPoint: LivenessOperatingPoint | 'custom';
}

export interface LivenessChecker {
  readonly modelId: string;
  readonly threshold: number;
  /** Scores one face of a photo: `photo` is the decoded photo the face was found in (not the 150x150 chip). */
  check(photo: RgbImage | ImagePyramid, face: LivenessFace): LivenessResult;
  dispose(): void;
}

const artefactSchema = z.object({
  model: z.literal(LIVENESS_MODEL_ID),
  spec: z.object({
    faceSize: z.number().int().positive(),
    contextSize: z.number().int().positive(),
    contextZoom: z.number().positive(),
    groups: z.array(z.enum(FEATURE_GROUPS)).min(1),
  }),
  lambda: z.number(),
  standardiser: z.object({ mean: z.array(z.number()), scale: z.array(z.number()) }),
  coefficients: z.array(z.number()),
  intercept: z.number(),
  thresholds: z.object({ balanced: z.number(), strict: z.number() }),
  training: z.looseObject({}),
});

/** Reads and checks a trained artefact (format, model id, and that its sizes agree). */
export async function readArtefact(file = DEFAULT_WEIGHTS_PATH): Promise<LivenessArtefact> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new ModelLoadError(`cannot read liveness weights ${file} (train them with facegate train-liveness)`, { cause });
  }
  const parsed = artefactSchema.safeParse(json);
  if (!parsed.success) throw new ModelLoadError(`${file} is not a ${LIVENESS_MODEL_ID} artefact: ${parsed.error.issues[0]?.message}`);
  const a = parsed.data;
  const d = a.coefficients.length;
  if (a.standardiser.mean.length !== d || a.standardiser.scale.length !== d) throw new ModelLoadError(`${file}: standardiser and coefficients differ in length`);
  return a as unknown as LivenessArtefact;
}

/** Scores faces with a trained artefact; `spec` and `model` can also come from a cross-validation fold. */
export function scoreFace(photo: RgbImage | ImagePyramid, face: LivenessFace, spec: FeatureSpec, model: LogisticModel): number {
  return probability(model, extractFeatures(photo, face.landmarks, spec));
}

export async function load(config: Partial<LivenessConfig> = {}): Promise<LivenessChecker> {
  const cfg = { ...DEFAULT_LIVENESS_CONFIG, ...config };
  const artefact = await readArtefact(cfg.weightsPath);
  const model: LogisticModel = { standardiser: artefact.standardiser, coefficients: artefact.coefficients, intercept: artefact.intercept };
  const expected = extractFeatures({ data: new Uint8Array(8 * 8 * 3), width: 8, height: 8 }, UNIT_FACE.landmarks, artefact.spec).length;
  if (expected !== model.coefficients.length) throw new ModelLoadError(`liveness weights hold ${model.coefficients.length} coefficients, the features ${expected}`);
  const threshold = cfg.threshold ?? artefact.thresholds[cfg.operatingPoint];
  const operatingPoint = cfg.threshold === undefined ? cfg.operatingPoint : 'custom';
  return {
    modelId: artefact.model,
    threshold,
    check(photo, face) {
      const score = scoreFace(photo, face, artefact.spec, model);
      return { score, live: score >= threshold, threshold, operatingPoint };
    },
    dispose() {},
  };
}

/** 68 landmarks of a tiny frontal face, only to count the features an artefact's spec yields. */
const UNIT_FACE: LivenessFace = {
  landmarks: Array.from({ length: 68 }, (_, i): Point => {
    if (i >= 36 && i < 42) return [2.5, 3];
    if (i >= 42 && i < 48) return [5.5, 3];
    if (i >= 48) return [4, 6];
    return [4, 4];
  }),
};
