import os from 'node:os';
import path from 'node:path';

/** FaceNet's margin: a negative must be this much (squared L2) farther than the positive. */
export const TRIPLET_ALPHA = 0.2;

export type Mining = 'semi-hard' | 'hard';

/**
 * What early stopping keeps: the epoch with the lowest held-out triplet loss, or with the lowest held-out
 * false non-match rate at a false-match rate of 1e-3 (every held-out pair compared; scale-free, and the
 * door's own measure: the triplet loss at a fixed margin also falls when the head merely spreads the
 * encodings apart). Epoch 0 (the encoder alone) competes too, so a head that never helps stays identity.
 */
export type Selection = 'triplet-loss' | 'fnmr';

export interface TrainingConfig {
  /** Triplet margin (squared L2 distance on unit vectors). */
  readonly alpha: number;
  /** semi-hard: the nearest negative farther than the positive (else the farthest); hard: the nearest negative. */
  readonly mining: Mining;
  /** P identities x K photos per batch (P*K encodings, every anchor-positive pair in it is a triplet). */
  readonly identitiesPerBatch: number;
  readonly samplesPerIdentity: number;
  readonly learningRate: number;
  /** L2 pull of the head's weights towards the identity map (W - I, b), per weight. */
  readonly weightDecay: number;
  readonly maxEpochs: number;
  /** Batches per epoch: enough to see every training identity about once. */
  readonly batchesPerEpoch?: number;
  /** Stop after this many epochs without a better held-out loss; the best epoch's weights are kept. */
  readonly patience: number;
  /** Share of identities (with two or more photos) held out for early stopping and the held-out loss. */
  readonly heldOutFraction: number;
  readonly selection: Selection;
  readonly seed: number;
}

export const DEFAULT_TRAINING_CONFIG: TrainingConfig = {
  alpha: TRIPLET_ALPHA,
  mining: 'semi-hard',
  identitiesPerBatch: 32,
  samplesPerIdentity: 4,
  learningRate: 1e-3,
  weightDecay: 1e-3,
  maxEpochs: 60,
  patience: 8,
  heldOutFraction: 0.2,
  selection: 'fnmr',
  seed: 1,
};

/**
 * A site's camera, simulated on a photo (sharp, in this order): downscaled by `scale` (a low-resolution
 * sensor or a distant face), Gaussian blur `blurSigma` (focus, motion), gain `gain` (low light), JPEG at
 * `jpegQuality`.
 */
export interface CameraCondition {
  readonly name: string;
  readonly scale: number;
  readonly blurSigma: number;
  readonly gain: number;
  readonly jpegQuality: number;
}

export const SITE_CAMERA: CameraCondition = { name: 'site', scale: 0.4, blurSigma: 1.2, gain: 0.4, jpegQuality: 75 };
/** A milder camera: most of its faces pass the quality gates (SITE_CAMERA's mostly do not). */
export const MILD_SITE_CAMERA: CameraCondition = { name: 'site-mild', scale: 0.6, blurSigma: 0.8, gain: 0.6, jpegQuality: 80 };

export const CAMERA_CONDITIONS: Readonly<Record<string, CameraCondition>> = { site: SITE_CAMERA, 'site-mild': MILD_SITE_CAMERA };

/** Encodings are cached here (never in the repository): `$FACEGATE_CACHE_DIR`, else the user's cache folder. */
export function encodingCacheDir(): string {
  const base = process.env.FACEGATE_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'facegate');
  return path.join(base, 'encodings');
}

/** A head artefact's format tag and version. */
export const HEAD_FORMAT = 'facegate-head';
export const HEAD_FORMAT_VERSION = 1;
