import type { FaceEngine } from '../engine.ts';
import { FaceError } from '../errors.ts';
import { l2Distance } from '../ops/l2.ts';
import { DEFAULT_THRESHOLD } from '../matching/constants.ts';
import {
  accuracyAt,
  areaUnderCurve,
  bestThreshold,
  equalErrorRate,
  mean,
  rocCurve,
  standardDeviation,
  tarAtFar,
  type ScoredPair,
} from './metrics.ts';
import type { LabeledPair, PairList } from './pairs.ts';

export interface LfwReport {
  readonly protocol: '10-fold' | 'single';
  readonly pairs: number;
  /** 10-fold: mean accuracy over folds, threshold chosen on the other nine. Single: at the default threshold. */
  readonly accuracy: number;
  readonly accuracyStd: number;
  readonly threshold: number;
  /** Single protocol only: the best threshold on this list and its accuracy (an optimistic bound). */
  readonly bestThreshold?: number;
  readonly bestAccuracy?: number;
  readonly auc: number;
  readonly eer: number;
  readonly tarAtFar1e2: number;
  readonly tarAtFar1e3: number;
  /** Photos in which no face was found. Their pairs count as "different person" (the door stays shut). */
  readonly noFace: number;
  readonly noFacePairs: number;
}

/**
 * Which face of an LFW photo is the labelled one: LFW centres its subject, so the detected face
 * nearest the photo's centre.
 */
async function encodeCentralFace(engine: FaceEngine, file: string): Promise<number[] | null> {
  const faces = await engine.findFaces(file);
  if (faces.length === 0) return null;
  // LFW photos are 250x250 with the subject centred.
  const offCentre = (f: (typeof faces)[number]) => Math.hypot(f.box.x + f.box.width / 2 - 125, f.box.y + f.box.height / 2 - 125);
  return faces.reduce((best, f) => (offCentre(f) < offCentre(best) ? f : best)).encoding;
}

export async function evaluateLfw(
  engine: FaceEngine,
  list: PairList,
  options: { threshold?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<LfwReport> {
  const files = [...new Set(list.folds.flat().flatMap((p) => [p.a, p.b]))];
  const encodings = new Map<string, number[] | null>();
  for (const [i, file] of files.entries()) {
    try {
      encodings.set(file, await encodeCentralFace(engine, file));
    } catch (error) {
      // A photo we cannot read is reported, never silently skipped.
      if (error instanceof FaceError) throw new Error(`${file}: ${error.message}`, { cause: error });
      throw error;
    }
    options.onProgress?.(i + 1, files.length);
  }
  const score = (p: LabeledPair): ScoredPair => {
    const a = encodings.get(p.a);
    const b = encodings.get(p.b);
    return { same: p.same, distance: a && b ? l2Distance(a, b) : Number.POSITIVE_INFINITY };
  };
  const folds = list.folds.map((fold) => fold.map(score));
  const all = folds.flat();
  const roc = rocCurve(all);
  const common = {
    pairs: all.length,
    auc: areaUnderCurve(roc),
    eer: equalErrorRate(roc),
    tarAtFar1e2: tarAtFar(roc, 1e-2),
    tarAtFar1e3: tarAtFar(roc, 1e-3),
    noFace: [...encodings.values()].filter((e) => e === null).length,
    noFacePairs: all.filter((p) => !Number.isFinite(p.distance)).length,
  };
  if (list.protocol === '10-fold') {
    const accuracies: number[] = [];
    const thresholds: number[] = [];
    folds.forEach((test, k) => {
      const train = folds.filter((_, j) => j !== k).flat();
      const { threshold } = bestThreshold(train);
      thresholds.push(threshold);
      accuracies.push(accuracyAt(test, threshold));
    });
    return {
      protocol: '10-fold',
      ...common,
      accuracy: mean(accuracies),
      accuracyStd: standardDeviation(accuracies),
      threshold: mean(thresholds),
    };
  }
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const best = bestThreshold(all);
  return {
    protocol: 'single',
    ...common,
    accuracy: accuracyAt(all, threshold),
    accuracyStd: 0,
    threshold,
    bestThreshold: best.threshold,
    bestAccuracy: best.accuracy,
  };
}
