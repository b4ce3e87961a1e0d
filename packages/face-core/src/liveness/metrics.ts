/**
 * Presentation-attack detection metrics (ISO/IEC 30107-3):
 * - APCER: share of attacks accepted as live;
 * - BPCER: share of bona fide (live) presentations refused.
 * A photo without a detected face has no score (null): an attack with no face is never accepted, a live
 * face with no face found is always refused.
 */
export interface PadAttempt {
  readonly live: boolean;
  /** Liveness score in [0, 1] (1 = live), null when no face was found. */
  readonly score: number | null;
}

export interface PadRates {
  readonly apcer: number;
  readonly bpcer: number;
}

/** APCER and BPCER when a face is accepted as live iff `accepted(attempt)`; no face is never accepted. */
export function ratesWhen<T extends PadAttempt>(attempts: readonly T[], accepted: (attempt: T) => boolean): PadRates {
  let attacks = 0, attacksAccepted = 0, lives = 0, livesRefused = 0;
  for (const a of attempts) {
    const ok = a.score !== null && accepted(a);
    if (a.live) {
      lives++;
      if (!ok) livesRefused++;
    } else {
      attacks++;
      if (ok) attacksAccepted++;
    }
  }
  return { apcer: attacks ? attacksAccepted / attacks : Number.NaN, bpcer: lives ? livesRefused / lives : Number.NaN };
}

/** Every operating point (accept when score >= t) from accepting nothing to accepting every face found. */
export function padCurve(attempts: readonly PadAttempt[]): (PadRates & { threshold: number })[] {
  const thresholds = [...new Set(attempts.flatMap((a) => (a.score === null ? [] : [a.score])))].sort((a, b) => b - a);
  const points = [{ threshold: Number.POSITIVE_INFINITY, ...ratesWhen(attempts, () => false) }];
  for (const t of thresholds) points.push({ threshold: t, ...ratesWhen(attempts, (a) => a.score! >= t) });
  return points;
}

/** The lowest BPCER among thresholds whose APCER is at most `apcer`. */
export function bpcerAtApcer(attempts: readonly PadAttempt[], apcer: number): number {
  let best = Number.NaN;
  for (const p of padCurve(attempts)) if (p.apcer <= apcer + 1e-12 && !(p.bpcer >= best)) best = p.bpcer;
  return best;
}

/** The lowest APCER among thresholds whose BPCER is at most `bpcer` (1 when no threshold gets there). */
export function apcerAtBpcer(attempts: readonly PadAttempt[], bpcer: number): number {
  let best = Number.NaN;
  for (const p of padCurve(attempts)) if (p.bpcer <= bpcer + 1e-12 && !(p.apcer >= best)) best = p.apcer;
  return Number.isNaN(best) ? 1 : best;
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

/** Equal error rate: the mean of APCER and BPCER where they are closest. */
export function padEer(attempts: readonly PadAttempt[]): number {
  let best = { gap: Number.POSITIVE_INFINITY, eer: Number.NaN };
  for (const p of padCurve(attempts)) {
    const gap = Math.abs(p.apcer - p.bpcer);
    if (gap < best.gap) best = { gap, eer: (p.apcer + p.bpcer) / 2 };
  }
  return best.eer;
}

/**
 * The threshold whose BPCER on `attempts` is at most `bpcer` while accepting as few attacks as possible
 * (the lowest such score among live faces): used to set an operating point from out-of-fold scores.
 */
export function thresholdForBpcer(liveScores: readonly number[], bpcer: number): number {
  if (liveScores.length === 0) throw new RangeError('no live scores to set a threshold on');
  const sorted = [...liveScores].sort((a, b) => a - b);
  // Refusing the k lowest live scores (k = floor(bpcer * n)): accept when score >= the (k+1)-th lowest.
  return sorted[Math.floor(bpcer * sorted.length + 1e-9)] ?? sorted[sorted.length - 1]!;
}

/** The threshold accepting at most `apcer` of the attacks (strictly above the highest attack score left refused). */
export function thresholdForApcer(attackScores: readonly number[], apcer: number): number {
  if (attackScores.length === 0) throw new RangeError('no attack scores to set a threshold on');
  const sorted = [...attackScores].sort((a, b) => b - a);
  const k = Math.floor(apcer * sorted.length + 1e-9);
  // Accept the k highest attack scores at most: the threshold sits just above the (k+1)-th highest.
  const refusedTop = sorted[Math.min(k, sorted.length - 1)]!;
  return refusedTop + 1e-9;
}
