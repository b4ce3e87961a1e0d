import { l2Distance } from '../ops/l2.ts';
import type { Encoding } from '../matching/match.ts';
import type { FaceDecision } from './decide.ts';

/**
 * Templates that learn the door's camera, as face-unlock products do: a confident acceptance may add
 * the door's frame to the person's samples, within limits an impostor cannot walk a template through.
 * Measured by scripts/adaptive-eval.ts with no gain on our data (docs/recognition-one-frame.md), so the
 * API ships it off (docs/adaptive-templates.md).
 */
export interface AdaptationConfig {
  /** Door samples kept per person at most; the oldest is aged out first. Enrolment photos are never replaced. */
  readonly maxAdaptive: number;
  /** Only an acceptance at most this fraction of the threshold away ("well inside"). */
  readonly confidentFraction: number;
  /** The next-nearest person must be at least this much further than the person accepted. */
  readonly minMargin: number;
  /**
   * The frame must also be within this fraction of the threshold of one of the person's ENROLMENT
   * samples: door samples never vouch for door samples, so a template cannot drift step by step.
   */
  readonly anchorFraction: number;
  /** At most one door sample per person in this many milliseconds. */
  readonly minIntervalMs: number;
}

export const DEFAULT_ADAPTATION_CONFIG: AdaptationConfig = {
  maxAdaptive: 5,
  confidentFraction: 0.8,
  minMargin: 0.1,
  anchorFraction: 1,
  minIntervalMs: 3_600_000,
};

export type AdaptationRefusal = 'not_accepted' | 'not_confident' | 'no_margin' | 'far_from_enrolment' | 'too_soon' | 'not_live' | 'quality';

/** What the rule needs besides the face decision. */
export interface AdaptationContext {
  /** The fused probe encoding the decision compared. */
  readonly probe: Encoding;
  /** The accepted person's enrolment samples (never their door samples). */
  readonly enrolment: readonly Encoding[];
  /** When the person last got a door sample, or null. */
  readonly lastAdaptedAt: number | null;
  readonly now: number;
  /** The liveness check ran and said live (the API passes false when the door's check is off). */
  readonly live: boolean;
}

/** Whether an acceptance may add its frame to the person's template; null when it may, else why not. */
export function adaptationRefusal(
  decision: FaceDecision,
  ctx: AdaptationContext,
  config: AdaptationConfig = DEFAULT_ADAPTATION_CONFIG,
): AdaptationRefusal | null {
  if (decision.outcome !== 'accept' || decision.reason !== 'match' || decision.distance === null) return 'not_accepted';
  if (decision.framesUsed === 0) return 'quality';
  if (!ctx.live) return 'not_live';
  if (decision.distance > config.confidentFraction * decision.threshold) return 'not_confident';
  const rival = decision.candidates.find((c) => c.identity !== decision.identity);
  if (rival && rival.distance - decision.distance < config.minMargin) return 'no_margin';
  const anchored = ctx.enrolment.some((e) => l2Distance(ctx.probe, e) <= config.anchorFraction * decision.threshold);
  if (!anchored) return 'far_from_enrolment';
  if (ctx.lastAdaptedAt !== null && ctx.now - ctx.lastAdaptedAt < config.minIntervalMs) return 'too_soon';
  return null;
}

/** The person's door samples after adding one: the oldest aged out beyond the cap (oldest first in, first out). */
export function withAdaptiveSample<T>(
  doorSamples: readonly T[],
  added: T,
  config: AdaptationConfig = DEFAULT_ADAPTATION_CONFIG,
): { kept: T[]; agedOut: T[] } {
  const all = [...doorSamples, added];
  const excess = Math.max(0, all.length - config.maxAdaptive);
  return { kept: all.slice(excess), agedOut: all.slice(0, excess) };
}
