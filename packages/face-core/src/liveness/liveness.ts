import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ModelLoadError } from '../errors.ts';
import type { Box } from '../geometry.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import {
  DEFAULT_LIVENESS_CONFIG,
  LIVENESS_MODEL_ID,
  type LivenessConfig,
  type LivenessOperatingPoint,
  type LivenessPoints,
  type LivenessVerdict,
} from './constants.ts';
import { load as loadMiniFasNet } from './minifasnet.ts';
import { livenessScore, livenessVerdict } from './score.ts';

/** The shipped operating points, written by `facegate eval liveness --protocol choose --write`. */
export const OPERATING_POINTS_PATH = fileURLToPath(new URL('./operating-points.json', import.meta.url));

const pointsSchema = z
  .object({ attack: z.number().min(0).max(1), live: z.number().min(0).max(1) })
  .refine((p) => p.attack <= p.live, 'the attack point must not exceed the live point');

const operatingPointsSchema = z.object({
  model: z.literal(LIVENESS_MODEL_ID),
  points: z.object({ balanced: pointsSchema, strict: pointsSchema }),
  /** For each threshold, the data that chose it and the rule (shown by `facegate eval liveness`). */
  chosenOn: z.looseObject({}),
});
export type OperatingPoints = z.infer<typeof operatingPointsSchema>;

/** Reads and checks the shipped operating points (format, model id, attack <= live). */
export function readOperatingPoints(file = OPERATING_POINTS_PATH): OperatingPoints {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new ModelLoadError(`cannot read liveness operating points ${file}`, { cause });
  }
  const parsed = operatingPointsSchema.safeParse(json);
  if (!parsed.success)
    throw new ModelLoadError(`${file} is not a ${LIVENESS_MODEL_ID} operating-points file: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

let shipped: OperatingPoints | undefined;

/**
 * The points in force: the operating point's (the shipped file, read once), with a door's own live point
 * when it was calibrated on its camera (the attack point never above it); null when the check is off.
 */
export function livenessPointsFor(mode: LivenessOperatingPoint | 'off', doorLivePoint?: number): LivenessPoints | null {
  if (mode === 'off') return null;
  shipped ??= readOperatingPoints();
  const points = shipped.points[mode];
  return doorLivePoint === undefined ? points : { attack: Math.min(points.attack, doorLivePoint), live: doorLivePoint };
}

/** What the check needs of a detected face: its box in photo pixels (EncodedFace has it). */
export interface LivenessFace {
  readonly box: Box;
}

export interface LivenessResult {
  /** In [0, 1] (1 = live): sigmoid of the networks' mean real-face log-odds over SCORE_TEMPERATURE. */
  readonly score: number;
  readonly verdict: LivenessVerdict;
  readonly points: LivenessPoints;
  readonly operatingPoint: LivenessOperatingPoint | 'custom';
}

export interface LivenessChecker {
  readonly modelId: string;
  readonly points: LivenessPoints;
  /** Scores one face of a photo: `photo` is the decoded photo the face was found in (the networks see around the face). */
  check(photo: RgbImage, face: LivenessFace): Promise<LivenessResult>;
  dispose(): Promise<void>;
}

export async function load(config: Partial<LivenessConfig> = {}): Promise<LivenessChecker> {
  const cfg = { ...DEFAULT_LIVENESS_CONFIG, ...config };
  const points = cfg.points ?? livenessPointsFor(cfg.operatingPoint)!;
  const operatingPoint = cfg.points ? 'custom' : cfg.operatingPoint;
  const networks = await loadMiniFasNet(cfg.modelDir ? { dir: cfg.modelDir } : {});
  return {
    modelId: LIVENESS_MODEL_ID,
    points,
    async check(photo, face) {
      const score = livenessScore(await networks.networkScores(photo, face.box));
      return { score, verdict: livenessVerdict(score, points), points, operatingPoint };
    },
    dispose: () => networks.dispose(),
  };
}
