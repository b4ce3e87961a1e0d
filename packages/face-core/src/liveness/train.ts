import { fitLogistic, probability, type LogisticModel } from './classifier.ts';
import { DEFAULT_TRAINING_CONFIG, LIVENESS_MODEL_ID, type TrainingConfig } from './constants.ts';
import type { FeatureSpec } from './features.ts';
import { padAuc, thresholdForApcer } from './metrics.ts';

/** One face's features with what training needs to know about it. */
export interface TrainingExample {
  readonly features: Float64Array;
  readonly live: boolean;
  readonly subject: string;
  /** Photos of one group (a subject's live frames, or their attacks of one type) share one unit of weight. */
  readonly group: string;
}

/** The committed artefact (weights.json): everything `load` needs, and how it was obtained. */
export interface LivenessArtefact {
  readonly model: string;
  readonly spec: FeatureSpec;
  readonly lambda: number;
  readonly standardiser: { readonly mean: number[]; readonly scale: number[] };
  readonly coefficients: number[];
  readonly intercept: number;
  /** Accept as live when score >= threshold; set on subject-disjoint out-of-fold scores of the training set. */
  readonly thresholds: { readonly balanced: number; readonly strict: number };
  readonly training: {
    readonly config: TrainingConfig;
    readonly examples: number;
    readonly live: number;
    readonly attacks: number;
    readonly subjects: number;
    /** Inner leave-one-subject-out AUC for each penalty tried. */
    readonly innerAuc: Record<string, number>;
    /** Truncated SHA-256 of every training photo, so an evaluation can tell when it is scoring training data. */
    readonly photoHashes?: string[];
  };
}

export interface TrainedLiveness {
  readonly model: LogisticModel;
  readonly lambda: number;
  readonly thresholds: { balanced: number; strict: number };
  readonly innerAuc: Record<string, number>;
}

/**
 * Weights so that every group (a subject's live frames; a subject's attacks of one type) weighs the
 * same, then live and attack classes weigh the same: NUAA's 20 near-duplicate frames of one subject then
 * count as one presentation, as much as MSU's single frame.
 */
export function groupWeights(examples: readonly TrainingExample[]): number[] {
  const counts = new Map<string, number>();
  for (const e of examples) counts.set(e.group, (counts.get(e.group) ?? 0) + 1);
  const raw = examples.map((e) => 1 / counts.get(e.group)!);
  const totals = { live: 0, attack: 0 };
  examples.forEach((e, i) => (totals[e.live ? 'live' : 'attack'] += raw[i]!));
  return examples.map((e, i) => raw[i]! / (e.live ? totals.live : totals.attack));
}

function fit(examples: readonly TrainingExample[], lambda: number): LogisticModel {
  return fitLogistic(
    examples.map((e) => e.features),
    examples.map((e) => (e.live ? 1 : 0)),
    groupWeights(examples),
    { lambda },
  );
}

/** Out-of-fold scores: each subject scored by a model fitted on every other subject. */
export function leaveOneSubjectOut(examples: readonly TrainingExample[], train: (subset: TrainingExample[]) => (features: Float64Array) => number): number[] {
  const scores = new Array<number>(examples.length).fill(Number.NaN);
  for (const subject of new Set(examples.map((e) => e.subject))) {
    const inFold = examples.map((e) => e.subject === subject);
    const score = train(examples.filter((_, i) => !inFold[i]));
    examples.forEach((e, i) => {
      if (inFold[i]) scores[i] = score(e.features);
    });
  }
  return scores;
}

/**
 * Trains the liveness classifier: the L2 penalty and both thresholds are chosen on leave-one-subject-out
 * scores of `examples` themselves (never on the scores of the faces a model was fitted on), then the
 * model is fitted on all of them.
 */
export function trainLiveness(examples: readonly TrainingExample[], config: TrainingConfig = DEFAULT_TRAINING_CONFIG): TrainedLiveness {
  const subjects = new Set(examples.map((e) => e.subject));
  if (subjects.size < 3) throw new RangeError(`training needs photos of at least 3 subjects, got ${subjects.size}`);
  if (!examples.some((e) => e.live) || !examples.some((e) => !e.live)) throw new RangeError('training needs live and attack photos');
  let best: { lambda: number; auc: number; scores: number[] } | null = null;
  const innerAuc: Record<string, number> = {};
  for (const lambda of config.lambdas) {
    const scores = leaveOneSubjectOut(examples, (subset) => {
      const model = fit(subset, lambda);
      return (features) => probability(model, features);
    });
    const auc = padAuc(examples.map((e, i) => ({ live: e.live, score: scores[i]! })));
    innerAuc[String(lambda)] = auc;
    // Ties go to the stronger penalty (the simpler model).
    if (!best || auc > best.auc || (auc === best.auc && lambda > best.lambda)) best = { lambda, auc, scores };
  }
  const chosen = best!;
  const attackScores = examples.flatMap((e, i) => (e.live ? [] : [chosen.scores[i]!]));
  return {
    model: fit(examples, chosen.lambda),
    lambda: chosen.lambda,
    thresholds: { balanced: thresholdForApcer(attackScores, config.balancedApcer), strict: thresholdForApcer(attackScores, config.strictApcer) },
    innerAuc,
  };
}

export function toArtefact(trained: TrainedLiveness, spec: FeatureSpec, examples: readonly TrainingExample[], config: TrainingConfig, photoHashes?: string[]): LivenessArtefact {
  return {
    model: LIVENESS_MODEL_ID,
    spec,
    lambda: trained.lambda,
    standardiser: trained.model.standardiser,
    coefficients: trained.model.coefficients,
    intercept: trained.model.intercept,
    thresholds: trained.thresholds,
    training: {
      config,
      examples: examples.length,
      live: examples.filter((e) => e.live).length,
      attacks: examples.filter((e) => !e.live).length,
      subjects: new Set(examples.map((e) => e.subject)).size,
      innerAuc: trained.innerAuc,
      ...(photoHashes ? { photoHashes } : {}),
    },
  };
}
