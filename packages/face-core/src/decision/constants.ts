import type { GalleryRule } from '../matching/constants.ts';

/** Probe faces outside these bounds are refused before any comparison (see quality-gate.ts). */
export interface QualityGates {
  /** Distance between the eye centres in photo pixels. */
  readonly minEyeDistancePx: number;
  /** Variance of the Laplacian of the aligned chip's luminance. */
  readonly minSharpness: number;
  readonly maxYawDeg: number;
  readonly maxPitchDeg: number;
  /** Mean luminance of the aligned chip, 0..255. */
  readonly minBrightness: number;
  readonly maxBrightness: number;
}

export interface DecisionConfig {
  /**
   * The false-match rate accepted for one comparison of a face with one person ("1 in 10,000" = 1e-4):
   * the verification threshold, and the identification threshold for galleries up to
   * 1 / falseMatchRate * fpirTarget people.
   */
  readonly falseMatchRate: number;
  /** Identification: the share of strangers that may be taken for someone, whatever the gallery's size. */
  readonly fpirTarget: number;
  /**
   * A distance threshold that replaces the calibrated one (an administrator's explicit choice);
   * null = from `falseMatchRate`, `fpirTarget` and the gallery's size.
   */
  readonly threshold: number | null;
  /**
   * Distances above the threshold but within the one for `falseMatchRate * stepUpFactor` answer
   * `step_up`: a second factor (PIN, card) may complete the attempt. 1 turns step-up off.
   */
  readonly stepUpFactor: number;
  /** Identification accepts only when the second-nearest person is at least this much farther. */
  readonly ambiguityMargin: number;
  readonly rule: GalleryRule;
  readonly gates: QualityGates;
}

/**
 * Where the open-set error starts to rise, measured by scripts/quality-gates.ts on celeba-dev's probes
 * (70 enrolled at full size; every probe also downscaled, blurred, darkened and brightened): under 12 px
 * between the eyes more than half of enrolled people are missed (57-100 %), under 6 px 5.9 % of
 * strangers match even at the default threshold; under a sharpness of 6 misses reach 58-95 % and under
 * 2 strangers match 7.8 % of the time; beyond a yaw estimate of 55 deg misses rise from 50 % to 71-83 %,
 * beyond a pitch estimate of 20 deg (or under -20) nearly every enrolled person is missed and strangers
 * match 2-10 % of the time; a chip brighter than 220 (overexposed) lets 4-5 % of strangers in, and one
 * darker than 25 misses 31-35 % against 21 % just above. Figures in the README.
 */
export const DEFAULT_QUALITY_GATES: QualityGates = {
  minEyeDistancePx: 12,
  minSharpness: 6,
  maxYawDeg: 55,
  maxPitchDeg: 20,
  minBrightness: 25,
  maxBrightness: 220,
};

export const DEFAULT_DECISION_CONFIG: DecisionConfig = {
  falseMatchRate: 1e-4,
  fpirTarget: 0.01,
  threshold: null,
  stepUpFactor: 10,
  ambiguityMargin: 0.03,
  rule: 'soft-nearest',
  gates: DEFAULT_QUALITY_GATES,
};

/**
 * Frames whose encodings lie closer together than this (mean pairwise L2 distance) are one view of one
 * visit, and are decided with the one-frame false-match curve: the 2- and 3-frame curves were measured
 * on templates fused from independent photos, and tighten the threshold (0.346 -> 0.326 for a gallery
 * of 106) for a fused face that consecutive frames do not make more reliable. Measured: bursts of 3
 * consecutive webcam frames of pad-dev-nuaa spread 0.04-0.18 (1st-99th percentile), three photos of one
 * celeba-dev person 0.195-0.48; with the multi-frame curve, bursts of 2-5 frames missed 12.8-13.5 % of
 * NUAA visits against 7.4 % for one frame (scripts/burst-eval.ts).
 */
export const BURST_SPREAD = 0.19;
