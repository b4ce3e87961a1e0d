/**
 * Where a door sits between letting attacks through and sending live people to a second factor:
 * `balanced` (the default) and `strict` differ only in the live point (see operating-points.json).
 */
export type LivenessOperatingPoint = 'balanced' | 'strict';

/**
 * The two points that cut a liveness score (in [0, 1], 1 = live) into three answers:
 * - below `attack`: a confident attack, refused as `presentation_attack`;
 * - from `attack` to below `live`: uncertain, the door asks for the second factor (STEP_UP);
 * - from `live` up: live.
 */
export interface LivenessPoints {
  readonly attack: number;
  readonly live: number;
}

export type LivenessVerdict = 'live' | 'uncertain' | 'attack';

export interface LivenessConfig {
  /** Folder of the two MiniFASNet .onnx files (default: face-core's models/minifasnet/). */
  readonly modelDir?: string;
  /** Which of the shipped operating points decides. */
  readonly operatingPoint: LivenessOperatingPoint;
  /** Points instead of the operating point's (a door calibrated on its own camera). */
  readonly points?: LivenessPoints;
}

export const DEFAULT_LIVENESS_CONFIG: LivenessConfig = {
  operatingPoint: 'balanced',
};

/**
 * The networks' two real-face log-odds are averaged, then divided by this before the logistic: their
 * log-odds run from about -15 to +15 (they saturate), and a score of sigmoid(z / 4) spreads the points
 * that matter over [0.1, 0.9] where an administrator can read them. Monotone: no ranking changes.
 */
export const SCORE_TEMPERATURE = 4;

/** Identifies the liveness model (the two networks and the score's formula); bump it when either changes. */
export const LIVENESS_MODEL_ID = 'minifasnet-v2+v1se@minivision-b6d5f04/t4';

/**
 * How the shipped points are chosen (`facegate eval liveness --protocol choose`), each on the choosing
 * data only (development subjects of the PAD sets and LFW View 1 DevTrain people; never the lockbox,
 * never the sets that report):
 * - attack point: refuses this share of the choosing live faces (each subject weighing the same);
 * - live point: accepts this share of the choosing attacks (each subject's attack type weighing the same).
 */
export const POINT_RULES = {
  attackPointBpcer: 0.025,
  livePointApcer: { balanced: 0.05, strict: 0.01 },
} as const;

/** A door's own live point, from its own live scores: refuses this share of them to the second factor. */
export const DOOR_CALIBRATION_STEP_UP = 0.05;
