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
 * (70 enrolled at full size) downscaled and blurred, and on the photos' own poses (figures in the
 * README): below 12 px between the eyes more than half of enrolled people are missed and, at a looser
 * threshold, strangers' false matches double; below a sharpness of 6 the same; beyond a yaw estimate
 * of 55° or a pitch estimate of 20° misses triple and strangers match more often; a chip darker than
 * 25 (of 255) misses a third of enrolled people, one brighter than 220 (overexposed) lets 4-5 % of
 * strangers in even at the default threshold.
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
