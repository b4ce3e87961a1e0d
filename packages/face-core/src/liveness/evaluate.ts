import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ImagePyramid } from '../alignment/warp.ts';
import type { FaceEngine } from '../engine.ts';
import { NoFaceError } from '../errors.ts';
import { decodeImage } from '../image/decode.ts';
import { probability, type LogisticModel } from './classifier.ts';
import { DEFAULT_TRAINING_CONFIG, type TrainingConfig } from './constants.ts';
import type { PadSample } from './dataset.ts';
import { extractFeatures, type FeatureSpec } from './features.ts';
import { fuseLivenessScores } from './fusion.ts';
import { bpcerAtApcer, apcerAtBpcer, padAuc, padEer, ratesWhen, type PadAttempt } from './metrics.ts';
import { trainLiveness, type LivenessArtefact, type TrainingExample } from './train.ts';

/** A photo of a presentation-attack set with its face's liveness features (null: no face found). */
export interface PadFace extends PadSample {
  readonly features: Float64Array | null;
  /** First 16 hex digits of the photo's SHA-256. */
  readonly hash: string;
}

export function photoHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

/** Finds the largest face of every photo with the engine (as a door would) and computes its features. */
export async function extractPadFeatures(engine: FaceEngine, samples: readonly PadSample[], spec: FeatureSpec, onProgress?: (done: number, total: number) => void): Promise<PadFace[]> {
  const out: PadFace[] = [];
  for (const sample of samples) {
    const bytes = new Uint8Array(await readFile(sample.path));
    const image = await decodeImage(bytes);
    let features: Float64Array | null = null;
    try {
      const face = await engine.encodeFace(image, { multiple: 'largest' });
      features = extractFeatures(new ImagePyramid(image), face.landmarks, spec);
    } catch (error) {
      if (!(error instanceof NoFaceError)) throw error;
    }
    out.push({ ...sample, features, hash: photoHash(bytes) });
    onProgress?.(out.length, samples.length);
  }
  return out;
}

export function trainingExamples(faces: readonly PadFace[]): TrainingExample[] {
  return faces.flatMap((f) => {
    if (!f.features) return [];
    if (f.subject === null) throw new Error(`${f.file} has no subject: training and cross-validation need labels.csv`);
    return [{ features: f.features, live: f.live, subject: f.subject, group: `${f.subject}|${f.live ? 'live' : f.attack}` }];
  });
}

/** A photo's score and the decisions taken on it at both operating points. */
export interface ScoredPadFace extends PadAttempt {
  readonly face: PadFace;
  readonly acceptedBalanced: boolean;
  readonly acceptedStrict: boolean;
  /** The balanced threshold that decided this face (its fold's, under cross-validation). */
  readonly balancedThreshold: number;
}

/**
 * Leave-one-subject-out: for every subject, the whole training procedure (penalty and thresholds chosen
 * by an inner leave-one-subject-out on the other subjects, then the fit) runs without any photo of that
 * subject, and scores and decides that subject's photos. No figure comes from a face the model saw.
 */
export function crossValidateLiveness(faces: readonly PadFace[], config: TrainingConfig = DEFAULT_TRAINING_CONFIG, onFold?: (done: number, total: number) => void): { scored: ScoredPadFace[]; lambdas: Record<string, number> } {
  const subjects = [...new Set(faces.map((f) => f.subject))];
  if (subjects.some((s) => s === null)) throw new Error('cross-validation needs a subject for every photo (labels.csv)');
  if (subjects.length < 4) throw new Error(`cross-validation needs at least 4 subjects, got ${subjects.length}`);
  const scored = new Map<PadFace, ScoredPadFace>();
  const lambdas: Record<string, number> = {};
  subjects.forEach((subject, k) => {
    const trained = trainLiveness(trainingExamples(faces.filter((f) => f.subject !== subject)), config);
    lambdas[subject!] = trained.lambda;
    for (const face of faces.filter((f) => f.subject === subject)) scored.set(face, decide(face, trained.model, trained.thresholds));
    onFold?.(k + 1, subjects.length);
  });
  return { scored: faces.map((f) => scored.get(f)!), lambdas };
}

function decide(face: PadFace, model: LogisticModel, thresholds: { balanced: number; strict: number }): ScoredPadFace {
  const score = face.features ? probability(model, face.features) : null;
  return { face, live: face.live, score, acceptedBalanced: score !== null && score >= thresholds.balanced, acceptedStrict: score !== null && score >= thresholds.strict, balancedThreshold: thresholds.balanced };
}

/** Scores every photo with a trained artefact (for photos that played no part in its training). */
export function scoreWithArtefact(faces: readonly PadFace[], artefact: LivenessArtefact): ScoredPadFace[] {
  const model = { standardiser: artefact.standardiser, coefficients: artefact.coefficients, intercept: artefact.intercept };
  return faces.map((f) => decide(f, model, artefact.thresholds));
}

export interface PadSummary {
  readonly live: number;
  readonly attacks: number;
  /** Photos where no face was found: their attacks count as refused, their live faces as refused. */
  readonly noFace: { readonly live: number; readonly attacks: number };
  /** At the default (balanced) operating point. */
  readonly apcer: number;
  readonly bpcer: number;
  readonly strict: { readonly apcer: number; readonly bpcer: number };
  readonly bpcerAtApcer5: number;
  readonly bpcerAtApcer1: number;
  readonly apcerAtBpcer5: number;
  readonly auc: number;
  readonly eer: number;
}

export function summarise(scored: readonly ScoredPadFace[]): PadSummary {
  const balanced = ratesWhen(scored, (s) => s.acceptedBalanced);
  const strict = ratesWhen(scored, (s) => s.acceptedStrict);
  return {
    live: scored.filter((s) => s.live).length,
    attacks: scored.filter((s) => !s.live).length,
    noFace: { live: scored.filter((s) => s.live && s.score === null).length, attacks: scored.filter((s) => !s.live && s.score === null).length },
    apcer: balanced.apcer,
    bpcer: balanced.bpcer,
    strict,
    bpcerAtApcer5: bpcerAtApcer(scored, 0.05),
    bpcerAtApcer1: bpcerAtApcer(scored, 0.01),
    apcerAtBpcer5: apcerAtBpcer(scored, 0.05),
    auc: padAuc(scored),
    eer: padEer(scored),
  };
}

export interface AttackSummary {
  readonly attacks: number;
  readonly noFace: number;
  readonly apcer: number;
  readonly apcerStrict: number;
  /** Against every live photo of the set. */
  readonly bpcerAtApcer5: number;
  readonly bpcerAtApcer1: number;
  readonly auc: number;
}

export interface LivenessReport extends PadSummary {
  readonly bySource: Record<string, PadSummary>;
  /** Each attack type against every live photo. */
  readonly byAttack: Record<string, AttackSummary>;
  /** The same photos as bursts of 2, 3 and 5 frames, where the set has enough frames per subject. */
  readonly bursts: BurstSummary[];
}

export function livenessReport(scored: readonly ScoredPadFace[]): LivenessReport {
  const bySource: Record<string, PadSummary> = {};
  for (const source of [...new Set(scored.map((s) => s.face.source))].sort()) bySource[source] = summarise(scored.filter((s) => s.face.source === source));
  const lives = scored.filter((s) => s.live);
  const byAttack: Record<string, AttackSummary> = {};
  for (const attack of [...new Set(scored.filter((s) => !s.live).map((s) => s.face.attack))].sort()) {
    const attacks = scored.filter((s) => !s.live && s.face.attack === attack);
    const both = [...lives, ...attacks];
    byAttack[attack] = {
      attacks: attacks.length,
      noFace: attacks.filter((s) => s.score === null).length,
      apcer: ratesWhen(attacks, (s) => s.acceptedBalanced).apcer,
      apcerStrict: ratesWhen(attacks, (s) => s.acceptedStrict).apcer,
      bpcerAtApcer5: bpcerAtApcer(both, 0.05),
      bpcerAtApcer1: bpcerAtApcer(both, 0.01),
      auc: padAuc(both),
    };
  }
  const bursts = [2, 3, 5].map((k) => burstSummary(scored, k)).filter((b) => b.live > 0 && b.attacks > 0);
  return { ...summarise(scored), bySource, byAttack, bursts };
}

export interface BurstSummary {
  readonly frames: number;
  /** Bursts scored: every run of `frames` consecutive photos of one subject and class (overlapping). */
  readonly live: number;
  readonly attacks: number;
  /** At each burst's balanced threshold, on the fused score (fuseLivenessScores). */
  readonly apcer: number;
  readonly bpcer: number;
  readonly apcerAtBpcer5: number;
  readonly bpcerAtApcer5: number;
}

const frameNumber = (file: string) => Number(/(\d+)\.[a-z]+$/i.exec(file)?.[1] ?? Number.NaN);

/**
 * Multi-frame figures: a door sends a burst of frames of one attempt and the API fuses their liveness
 * scores (fuseLivenessScores). Only subjects with at least `frames` photos of one class (live, or one
 * attack type) make bursts: pad-dev's NUAA frames (evenly spaced over a session, so further apart in time
 * than a door's burst, and more varied), never MSU's single frames. Frames with no face are left out of a
 * burst, as the API leaves them out.
 */
export function burstSummary(scored: readonly ScoredPadFace[], frames: number): BurstSummary {
  const groups = new Map<string, ScoredPadFace[]>();
  for (const s of scored) {
    const key = `${s.face.subject}|${s.live ? 'live' : s.face.attack}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const bursts: (PadAttempt & { accepted: boolean })[] = [];
  for (const group of groups.values()) {
    const ordered = [...group].sort((a, b) => frameNumber(a.face.file) - frameNumber(b.face.file) || a.face.file.localeCompare(b.face.file));
    for (let i = 0; i + frames <= ordered.length; i++) {
      const run = ordered.slice(i, i + frames);
      const score = fuseLivenessScores(run.flatMap((s) => (s.score === null ? [] : [s.score])));
      bursts.push({ live: run[0]!.live, score, accepted: score !== null && score >= run[0]!.balancedThreshold });
    }
  }
  const rates = ratesWhen(bursts, (b) => b.accepted);
  return {
    frames,
    live: bursts.filter((b) => b.live).length,
    attacks: bursts.filter((b) => !b.live).length,
    apcer: rates.apcer,
    bpcer: rates.bpcer,
    apcerAtBpcer5: apcerAtBpcer(bursts, 0.05),
    bpcerAtApcer5: bpcerAtApcer(bursts, 0.05),
  };
}
