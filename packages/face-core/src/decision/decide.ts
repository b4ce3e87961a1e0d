import { l2Distance, l2Normalize } from '../ops/l2.ts';
import type { SearchableGallery } from '../gallery/gallery-matrix.ts';
import type { GalleryRule } from '../matching/constants.ts';
import { distanceToPerson, rankCandidates, type Candidate, type Encoding, type FaceDatabase } from '../matching/match.ts';
import type { FaceQuality } from '../quality.ts';
import { falseMatchCurve, falseMatchRateForGallery, thresholdForFalseMatchRate } from './calibration.ts';
import { BURST_SPREAD, DEFAULT_DECISION_CONFIG, type DecisionConfig } from './constants.ts';
import { checkQuality, type QualityReason } from './quality-gate.ts';

/** One frame's face as the engine saw it. */
export interface ProbeFace {
  readonly encoding: Encoding;
  readonly quality: FaceQuality;
}

/** accept: open. reject: stay shut. step_up: stay shut unless a second factor (PIN, card) completes it. */
export type DecisionOutcome = 'accept' | 'reject' | 'step_up';

export type DecisionReason =
  'match' | 'no_match' | 'not_in_database' | 'not_enrolled' | 'ambiguous' | 'borderline' | Lowercase<QualityReason>;

export interface FrameVerdict {
  readonly index: number;
  /** Null when the frame passed the quality gates. */
  readonly refused: QualityReason | null;
}

export interface FaceDecision {
  readonly outcome: DecisionOutcome;
  readonly reason: DecisionReason;
  /** Verify: the claimed person. Identify: the person accepted, or proposed for step-up; null otherwise. */
  readonly identity: string | null;
  /** Verify: to the claimed person. Identify: to the nearest person. Null when nothing was compared. */
  readonly distance: number | null;
  /** Accepted below this distance. */
  readonly threshold: number;
  /** Between `threshold` and this, the answer is step_up. */
  readonly stepUpThreshold: number;
  /** The nearest people, nearest first (at most 20): for the audit and administrators, never for a door. */
  readonly candidates: readonly Candidate[];
  /** Why an ambiguous answer was given: the other person too close to call. */
  readonly rival: Candidate | null;
  readonly frames: readonly FrameVerdict[];
  /** Frames that passed the gates and were fused into the one encoding compared. */
  readonly framesUsed: number;
  /** For a quality refusal: what the person at the door can do about it. */
  readonly message: string | null;
}

const MAX_CANDIDATES = 20;

/** Who the decision compares with: a plain map of encodings, or the contiguous matrix the API keeps. */
export type DecisionGallery = FaceDatabase | SearchableGallery;

function isSearchable(gallery: DecisionGallery): gallery is SearchableGallery {
  return typeof (gallery as Partial<SearchableGallery>).rank === 'function';
}

/** The nearest people (at most `limit`), nearest first, by the rule; only those with samples. */
export function nearestPeople(gallery: DecisionGallery, encoding: Encoding, rule: GalleryRule, limit = MAX_CANDIDATES): Candidate[] {
  if (isSearchable(gallery)) return gallery.rank(encoding, rule, limit);
  return rankCandidates(encoding, gallery, rule)
    .filter((c) => Number.isFinite(c.distance))
    .slice(0, limit);
}

function personDistance(gallery: DecisionGallery, identity: string, encoding: Encoding, rule: GalleryRule): number {
  if (isSearchable(gallery)) return gallery.distanceTo(identity, encoding, rule);
  const entry =
    gallery instanceof Map
      ? gallery.get(identity)
      : Object.hasOwn(gallery, identity)
        ? (gallery as Record<string, Encoding | readonly Encoding[]>)[identity]
        : undefined;
  if (!entry) return Number.POSITIVE_INFINITY;
  return distanceToPerson(encoding, typeof entry[0] === 'number' ? [entry as Encoding] : (entry as readonly Encoding[]), rule);
}

function sizeOf(gallery: DecisionGallery): number {
  return isSearchable(gallery) || gallery instanceof Map ? gallery.size : Object.keys(gallery).length;
}

interface Thresholds {
  readonly threshold: number;
  readonly stepUpThreshold: number;
}

/**
 * The accept and step-up thresholds for a per-comparison false-match rate, for a template fused from
 * `frames` frames. An explicit threshold keeps the calibrated step-up band's width above it.
 */
export function decisionThresholds(config: DecisionConfig, falseMatchRate = config.falseMatchRate, frames = 1): Thresholds {
  const curve = falseMatchCurve(frames);
  const calibrated = thresholdForFalseMatchRate(falseMatchRate, curve);
  const band =
    config.stepUpFactor > 1 ? thresholdForFalseMatchRate(Math.min(0.5, falseMatchRate * config.stepUpFactor), curve) - calibrated : 0;
  const threshold = config.threshold ?? calibrated;
  return { threshold, stepUpThreshold: threshold + band };
}

/** Fuses the frames that pass the quality gates: their mean encoding, renormalised (one template). */
function fuse(probes: readonly ProbeFace[], config: DecisionConfig) {
  const frames: FrameVerdict[] = [];
  const passed: Encoding[] = [];
  let firstFailure: { reason: QualityReason; message: string } | null = null;
  probes.forEach((probe, index) => {
    const verdict = checkQuality(probe.quality, config.gates);
    if (verdict.pass) {
      frames.push({ index, refused: null });
      passed.push(probe.encoding);
    } else {
      frames.push({ index, refused: verdict.reason });
      firstFailure ??= verdict;
    }
  });
  if (passed.length === 0) return { frames, encoding: null, failure: firstFailure, used: 0, curveFrames: 1 };
  const sum = new Array<number>(passed[0]!.length).fill(0);
  for (const encoding of passed) encoding.forEach((v, i) => (sum[i]! += v));
  return {
    frames,
    encoding: l2Normalize(sum),
    failure: null,
    used: passed.length,
    curveFrames: meanPairwiseDistance(passed) < BURST_SPREAD ? 1 : passed.length,
  };
}

function meanPairwiseDistance(encodings: readonly Encoding[]): number {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < encodings.length; i++) {
    for (let j = i + 1; j < encodings.length; j++) {
      sum += l2Distance(encodings[i]!, encodings[j]!);
      pairs++;
    }
  }
  return pairs === 0 ? 0 : sum / pairs;
}

function refusedForQuality(
  frames: FrameVerdict[],
  failure: { reason: QualityReason; message: string } | null,
  thresholds: Thresholds,
  identity: string | null,
): FaceDecision {
  if (!failure) throw new RangeError('a decision needs at least one frame');
  return {
    outcome: 'reject',
    reason: failure.reason.toLowerCase() as Lowercase<QualityReason>,
    identity,
    distance: null,
    ...thresholds,
    candidates: [],
    rival: null,
    frames,
    framesUsed: 0,
    message: failure.message,
  };
}

/**
 * 1:1 - is this the claimed person? Opens only when the fused face is within the threshold of the
 * claimed person and no other enrolled person is as near (a look-alike holding the card).
 */
export function decideVerification(
  probes: readonly ProbeFace[],
  claimed: string,
  database: DecisionGallery,
  config: DecisionConfig = DEFAULT_DECISION_CONFIG,
): FaceDecision {
  const { frames, encoding, failure, used, curveFrames } = fuse(probes, config);
  const thresholds = decisionThresholds(config, config.falseMatchRate, curveFrames);
  if (!encoding) return refusedForQuality(frames, failure, thresholds, claimed);
  const candidates = nearestPeople(database, encoding, config.rule);
  // The claimed person is always compared exactly, whether among the nearest or not.
  const distance = personDistance(database, claimed, encoding, config.rule);
  const base = { identity: claimed, ...thresholds, candidates, frames, framesUsed: used, message: null };
  if (!Number.isFinite(distance)) return { ...base, outcome: 'reject', reason: 'not_enrolled', distance: null, rival: null };
  const rival = candidates.find((c) => c.identity !== claimed && c.distance < distance + config.ambiguityMargin) ?? null;
  if (distance >= thresholds.stepUpThreshold) return { ...base, outcome: 'reject', reason: 'no_match', distance, rival: null };
  if (rival) return { ...base, outcome: config.stepUpFactor > 1 ? 'step_up' : 'reject', reason: 'ambiguous', distance, rival };
  if (distance < thresholds.threshold) return { ...base, outcome: 'accept', reason: 'match', distance, rival: null };
  return { ...base, outcome: 'step_up', reason: 'borderline', distance, rival: null };
}

/**
 * 1:K - who is this? The nearest person when within the threshold for this gallery's size (so that
 * strangers get in at most `fpirTarget` of the time however many are enrolled) and clearly nearer than
 * the second; otherwise "not in the database", or step-up for a borderline or ambiguous face.
 */
export function decideIdentification(
  probes: readonly ProbeFace[],
  database: DecisionGallery,
  config: DecisionConfig = DEFAULT_DECISION_CONFIG,
): FaceDecision {
  const gallerySize = sizeOf(database);
  const { frames, encoding, failure, used, curveFrames } = fuse(probes, config);
  const thresholds = decisionThresholds(
    config,
    falseMatchRateForGallery(config.falseMatchRate, config.fpirTarget, gallerySize),
    curveFrames,
  );
  if (!encoding) return refusedForQuality(frames, failure, thresholds, null);
  const candidates = nearestPeople(database, encoding, config.rule);
  const [best, second] = candidates;
  const base = { ...thresholds, candidates, frames, framesUsed: used, message: null };
  if (!best || best.distance >= thresholds.stepUpThreshold) {
    return { ...base, outcome: 'reject', reason: 'not_in_database', identity: null, distance: best?.distance ?? null, rival: null };
  }
  if (second && second.distance - best.distance < config.ambiguityMargin) {
    return {
      ...base,
      outcome: config.stepUpFactor > 1 ? 'step_up' : 'reject',
      reason: 'ambiguous',
      identity: null,
      distance: best.distance,
      rival: second,
    };
  }
  if (best.distance < thresholds.threshold)
    return { ...base, outcome: 'accept', reason: 'match', identity: best.identity, distance: best.distance, rival: null };
  return { ...base, outcome: 'step_up', reason: 'borderline', identity: best.identity, distance: best.distance, rival: null };
}
