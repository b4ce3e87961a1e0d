/** A scored pair: the distance between two encodings, and whether they show the same person. */
export interface ScoredPair {
  readonly distance: number;
  readonly same: boolean;
}

/** Fraction of pairs decided correctly when "same" means distance < threshold. */
export function accuracyAt(pairs: readonly ScoredPair[], threshold: number): number {
  if (pairs.length === 0) return Number.NaN;
  let correct = 0;
  for (const p of pairs) if (p.distance < threshold === p.same) correct++;
  return correct / pairs.length;
}

/** The threshold with the best accuracy on `pairs` (midway between neighbouring distances). */
export function bestThreshold(pairs: readonly ScoredPair[]): { threshold: number; accuracy: number } {
  const finite = [...new Set(pairs.map((p) => p.distance).filter(Number.isFinite))].sort((a, b) => a - b);
  const candidates = [0, ...finite.map((d, i) => (i + 1 < finite.length ? (d + finite[i + 1]!) / 2 : d + 1e-6))];
  let best = { threshold: 0, accuracy: -1 };
  for (const threshold of candidates) {
    const accuracy = accuracyAt(pairs, threshold);
    if (accuracy > best.accuracy) best = { threshold, accuracy };
  }
  return best;
}

interface RocPoint {
  readonly threshold: number;
  /** False accept rate: different-person pairs accepted. */
  readonly far: number;
  /** True accept rate: same-person pairs accepted. */
  readonly tar: number;
}

/** The ROC curve from accepting nothing to accepting everything. */
export function rocCurve(pairs: readonly ScoredPair[]): RocPoint[] {
  const sorted = [...pairs].sort((a, b) => a.distance - b.distance);
  const positives = sorted.filter((p) => p.same).length;
  const negatives = sorted.length - positives;
  const points: RocPoint[] = [{ threshold: Number.NEGATIVE_INFINITY, far: 0, tar: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i]!.same) tp++;
    else fp++;
    // Ties move together: one point per distinct distance.
    if (i + 1 < sorted.length && sorted[i + 1]!.distance === sorted[i]!.distance) continue;
    points.push({ threshold: sorted[i]!.distance, far: negatives ? fp / negatives : 0, tar: positives ? tp / positives : 0 });
  }
  return points;
}

/** Area under the ROC curve (trapezoids). */
export function areaUnderCurve(roc: readonly RocPoint[]): number {
  let area = 0;
  for (let i = 1; i < roc.length; i++) area += ((roc[i]!.far - roc[i - 1]!.far) * (roc[i]!.tar + roc[i - 1]!.tar)) / 2;
  return area;
}

/** Equal error rate: where the false accept rate meets the false reject rate (interpolated). */
export function equalErrorRate(roc: readonly RocPoint[]): number {
  for (let i = 1; i < roc.length; i++) {
    const prev = roc[i - 1]!;
    const cur = roc[i]!;
    const dPrev = prev.far - (1 - prev.tar);
    const dCur = cur.far - (1 - cur.tar);
    if (dPrev <= 0 && dCur >= 0) {
      const t = dCur === dPrev ? 0 : -dPrev / (dCur - dPrev);
      return prev.far + t * (cur.far - prev.far);
    }
  }
  return Number.NaN;
}

/** The best true accept rate whose false accept rate stays at or below `far`. */
export function tarAtFar(roc: readonly RocPoint[], far: number): number {
  let best = 0;
  for (const p of roc) if (p.far <= far && p.tar > best) best = p.tar;
  return best;
}

export function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

export function standardDeviation(values: readonly number[]): number {
  const m = mean(values);
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / values.length);
}
