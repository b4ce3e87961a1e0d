/**
 * Presentation-attack detection metrics (ISO/IEC 30107-3):
 * - APCER: share of attacks accepted as live;
 * - BPCER: share of bona fide (live) presentations refused.
 * A photo without a detected face has no score (null): it ranks below every score.
 */
export interface PadAttempt {
  readonly live: boolean;
  /** Liveness score in [0, 1] (1 = live), null when no face was found. */
  readonly score: number | null;
}

/** Area under the ROC curve of live against attack scores (ties count half; no face scores lowest). */
export function padAuc(attempts: readonly PadAttempt[]): number {
  const value = (a: PadAttempt) => a.score ?? Number.NEGATIVE_INFINITY;
  const lives = attempts.filter((a) => a.live).map(value);
  const attacks = attempts.filter((a) => !a.live).map(value);
  if (lives.length === 0 || attacks.length === 0) return Number.NaN;
  let sum = 0;
  for (const l of lives) for (const s of attacks) sum += l > s ? 1 : l === s ? 0.5 : 0;
  return sum / (lives.length * attacks.length);
}
