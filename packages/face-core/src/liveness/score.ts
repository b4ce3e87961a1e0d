import { SCORE_TEMPERATURE, type LivenessPoints, type LivenessVerdict } from './constants.ts';

const logit = (p: number) => {
  const q = Math.min(Math.max(p, 1e-7), 1 - 1e-7);
  return Math.log(q / (1 - q));
};

/** The liveness score of one face from each network's real-face probability: sigmoid(mean log-odds / T). */
export function livenessScore(networkProbabilities: readonly number[]): number {
  if (networkProbabilities.length === 0) throw new RangeError('no network scores');
  const meanLogit = networkProbabilities.reduce((s, p) => s + logit(p), 0) / networkProbabilities.length;
  return 1 / (1 + Math.exp(-meanLogit / SCORE_TEMPERATURE));
}

/** Live, uncertain (ask for the second factor) or a confident attack. */
export function livenessVerdict(score: number, points: LivenessPoints): LivenessVerdict {
  if (score < points.attack) return 'attack';
  return score < points.live ? 'uncertain' : 'live';
}

/**
 * A door's live point from the liveness scores of its own accepted attempts (a camera shifts the
 * scores of everyone in front of it): the point that would have sent `stepUpShare` of them to the second
 * factor, never below the attack point. Null with fewer than `minimum` scores.
 */
export function doorLivePoint(liveScores: readonly number[], attackPoint: number, stepUpShare: number, minimum = 20): number | null {
  if (liveScores.length < minimum) return null;
  const sorted = [...liveScores].sort((a, b) => a - b);
  const point = sorted[Math.floor(stepUpShare * sorted.length)]!;
  return Math.max(point, attackPoint);
}
