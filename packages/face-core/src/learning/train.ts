import type * as tfjs from '@tensorflow/tfjs';
import { initTensorFlow } from '../backend.ts';
import { tensorFlow } from '../tensorflow.ts';
import { DEFAULT_TRAINING_CONFIG, type TrainingConfig } from './constants.ts';
import { identityWeights } from './head.ts';
import { mineTriplets, squaredDistances, tripletLossTensor } from './triplet.ts';
import type { FaceViews } from './views.ts';

/** Photos of one identity, each as the frozen encoder's views. */
export type LabelledViews = ReadonlyMap<string, readonly FaceViews[]>;

export interface EpochStats {
  readonly epoch: number;
  /** Mean triplet loss per mined triplet over the epoch's batches (weight decay not included). */
  readonly trainLoss: number;
  /** Share of mined triplets with a positive loss. */
  readonly activeTriplets: number;
  /** Mean triplet loss over all held-out triplets (see heldOutLoss), the early-stopping criterion. */
  readonly heldOutLoss: number;
  /** ... and with each held-out anchor-positive pair's nearest negative. */
  readonly heldOutHardestLoss: number;
  /** Held-out false non-match rate at a false-match rate of 1e-3 (see HeldOutLoss). */
  readonly heldOutFnmr: number;
}

export interface TrainingResult {
  readonly weights: number[];
  readonly bias: number[];
  readonly curve: readonly EpochStats[];
  readonly bestEpoch: number;
  /** Held-out loss of the identity head (the frozen encoder alone) and of the kept weights. */
  readonly heldOutLossBefore: HeldOutLoss;
  readonly heldOutLossAfter: HeldOutLoss;
  readonly trainIdentities: readonly string[];
  readonly heldOutIdentities: readonly string[];
  readonly trainPhotos: number;
  readonly stoppedEarly: boolean;
}

/** A small seeded generator (mulberry32): the same seed gives the same split, batches and curve. */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(list: T[], rand: () => number): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

/**
 * Splits identities into training and held-out ones (no identity in both): the held-out share is taken
 * from identities with two or more photos (the only ones that make anchor-positive pairs).
 */
export function splitIdentities(people: LabelledViews, heldOutFraction: number, seed: number): { train: string[]; heldOut: string[] } {
  const names = [...people.keys()].sort();
  const pairable = shuffle(
    names.filter((n) => people.get(n)!.length >= 2),
    random(seed),
  );
  const heldOut = new Set(pairable.slice(0, Math.round(pairable.length * heldOutFraction)));
  return { train: names.filter((n) => !heldOut.has(n)), heldOut: names.filter((n) => heldOut.has(n)).sort() };
}

interface Rows {
  readonly x: number[][];
  readonly labels: number[];
  readonly photo: number[];
}

/** The held-out photos (the engine's encoding of each), labelled by identity. */
export function heldOutRows(people: LabelledViews, names: readonly string[]): Rows {
  const rows: Rows = { x: [], labels: [], photo: [] };
  names.forEach((name, label) => {
    for (const face of people.get(name)!) {
      rows.x.push(face.encoding);
      rows.labels.push(label);
      rows.photo.push(rows.photo.length);
    }
  });
  return rows;
}

/** y = normalise(W x + b) for each row (plain arithmetic). */
export function applyHead(x: readonly (readonly number[])[], weights: ArrayLike<number>, bias: ArrayLike<number>): number[][] {
  const d = bias.length;
  return x.map((v) => {
    const out = new Array<number>(d);
    let norm = 0;
    for (let j = 0; j < d; j++) {
      let s = bias[j]!;
      for (let k = 0; k < d; k++) s += weights[j * d + k]! * v[k]!;
      out[j] = s;
      norm += s * s;
    }
    norm = Math.sqrt(norm);
    return out.map((u) => u / norm);
  });
}

export interface HeldOutLoss {
  /** Mean triplet loss over every held-out triplet (every anchor-positive pair with every negative). */
  readonly all: number;
  /** Mean over anchor-positive pairs of the loss with the nearest negative under this head. */
  readonly hardest: number;
  readonly triplets: number;
  /** Share of same-person pairs at or beyond the distance that 1 in 1,000 different-person pairs is under. */
  readonly fnmrAtFmr1e3: number;
}

/**
 * The triplet loss of y = normalise(W x + b) on held-out rows, over all their triplets (no mining, so no
 * bias towards or against the encoder the negatives were mined with) and with the hardest negatives.
 */
export function heldOutLoss(rows: Rows, weights: ArrayLike<number>, bias: ArrayLike<number>, alpha: number): HeldOutLoss {
  const n = rows.x.length;
  const d = bias.length;
  const distances = squaredDistances(applyHead(rows.x, weights, bias).flat(), n, d);
  let sum = 0;
  let count = 0;
  let hardSum = 0;
  let pairs = 0;
  const genuine: number[] = [];
  const impostor: number[] = [];
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) (rows.labels[a] === rows.labels[b] ? genuine : impostor).push(distances[a * n + b]!);
  }
  impostor.sort((u, v) => u - v);
  const threshold = impostor[Math.floor(impostor.length * 1e-3)] ?? Number.POSITIVE_INFINITY;
  const fnmrAtFmr1e3 = genuine.length ? genuine.filter((g) => g >= threshold).length / genuine.length : Number.NaN;
  for (let a = 0; a < n; a++) {
    for (let p = 0; p < n; p++) {
      if (p === a || rows.labels[p] !== rows.labels[a]) continue;
      const dap = distances[a * n + p]!;
      let nearest = Number.POSITIVE_INFINITY;
      for (let k = 0; k < n; k++) {
        if (rows.labels[k] === rows.labels[a]) continue;
        const dan = distances[a * n + k]!;
        sum += Math.max(dap - dan + alpha, 0);
        count++;
        if (dan < nearest) nearest = dan;
      }
      if (Number.isFinite(nearest)) {
        hardSum += Math.max(dap - nearest + alpha, 0);
        pairs++;
      }
    }
  }
  return { all: count ? sum / count : Number.NaN, hardest: pairs ? hardSum / pairs : Number.NaN, triplets: count, fnmrAtFmr1e3 };
}

/**
 * Trains the head y = normalise(W x + b) (W = I, b = 0 at the start) on the frozen encoder's encodings
 * with the triplet loss, online-mined in batches of P identities x K photos (each photo seen as its chip,
 * its mirror image or their mean, at random), Adam, an L2 pull towards the identity map, early stopping on
 * the held-out identities' fixed triplets. TensorFlow.js, on the backend initTensorFlow picks.
 */
export async function trainHead(
  people: LabelledViews,
  config: Partial<TrainingConfig> = {},
  onEpoch: (stats: EpochStats) => void = () => {},
): Promise<TrainingResult> {
  const cfg = { ...DEFAULT_TRAINING_CONFIG, ...config };
  await initTensorFlow();
  const tf = tensorFlow();
  const rand = random(cfg.seed);
  const { train, heldOut } = splitIdentities(people, cfg.heldOutFraction, cfg.seed);
  const pairable = train.filter((n) => people.get(n)!.length >= 2);
  const singles = train.filter((n) => people.get(n)!.length < 2);
  if (pairable.length < 2) throw new Error(`training needs at least 2 identities with two or more photos; got ${pairable.length}`);
  if (heldOut.length < 2)
    throw new Error(`early stopping needs at least 2 held-out identities with two or more photos; got ${heldOut.length}`);
  const dim = people.get(pairable[0]!)![0]!.encoding.length;
  const held = heldOutRows(people, heldOut);
  const start = identityWeights(dim);
  const before = heldOutLoss(held, start.weights, start.bias, cfg.alpha);

  // y = normalise(x W^T + b): W holds (d_out, d_in) row-major like the artefact, so x matMul W^T.
  const w = tf.variable(tf.tensor2d(start.weights, [dim, dim]), true, 'head_w');
  const b = tf.variable(tf.tensor1d(start.bias), true, 'head_b');
  const eye = tf.eye(dim);
  const optimizer = tf.train.adam(cfg.learningRate);
  const forward = (x: tfjs.Tensor2D) => {
    const y = tf.add(tf.matMul(x, w, false, true), b) as tfjs.Tensor2D;
    return tf.div(y, tf.norm(y, 'euclidean', -1, true)) as tfjs.Tensor2D;
  };
  const batchesPerEpoch = cfg.batchesPerEpoch ?? Math.max(1, Math.ceil(pairable.length / cfg.identitiesPerBatch));
  const singlesPerBatch = Math.min(singles.length, cfg.identitiesPerBatch);

  // fnmr: lower FNMR, ties (it moves in steps of one pair) broken by the triplet loss
  const better = (u: HeldOutLoss, v: HeldOutLoss) =>
    cfg.selection === 'triplet-loss'
      ? u.all < v.all
      : u.fnmrAtFmr1e3 < v.fnmrAtFmr1e3 || (u.fnmrAtFmr1e3 === v.fnmrAtFmr1e3 && u.all < v.all);
  const curve: EpochStats[] = [];
  let best = { loss: before, epoch: 0, weights: start.weights, bias: start.bias };
  let stoppedEarly = false;
  try {
    for (let epoch = 1; epoch <= cfg.maxEpochs; epoch++) {
      const order = shuffle([...pairable], rand);
      let lossSum = 0;
      let tripletCount = 0;
      let active = 0;
      for (let batch = 0; batch < batchesPerEpoch; batch++) {
        const names = Array.from(
          { length: Math.min(cfg.identitiesPerBatch, order.length) },
          (_, i) => order[(batch * cfg.identitiesPerBatch + i) % order.length]!,
        );
        const rows: Rows = { x: [], labels: [], photo: [] };
        const view = (face: FaceViews) => [face.chip, face.mirror, face.encoding][Math.floor(rand() * 3)]!;
        names.forEach((name, label) => {
          for (const face of shuffle([...people.get(name)!], rand).slice(0, cfg.samplesPerIdentity)) {
            rows.x.push(view(face));
            rows.labels.push(label);
            rows.photo.push(rows.photo.length);
          }
        });
        for (let i = 0; i < singlesPerBatch; i++) {
          const name = singles[Math.floor(rand() * singles.length)]!;
          rows.x.push(view(people.get(name)![0]!));
          rows.labels.push(names.length + i);
          rows.photo.push(rows.photo.length);
        }
        const x = tf.tensor2d(rows.x);
        try {
          const current = tf.tidy(() => forward(x));
          const embedded = current.dataSync() as Float32Array;
          current.dispose();
          const triplets = mineTriplets(squaredDistances(embedded, rows.x.length, dim), rows.labels, rows.photo, cfg.mining);
          if (triplets.length === 0) continue;
          // (m, n) one-hot row selectors: gather's gradient has no kernel on the wasm backend, matMul's has.
          const [ia, ip, ineg] = [0, 1, 2].map((c) =>
            tf.tidy(
              () =>
                tf
                  .oneHot(
                    tf.tensor1d(
                      triplets.map((t) => t[c]!),
                      'int32',
                    ),
                    rows.x.length,
                  )
                  .toFloat() as tfjs.Tensor2D,
            ),
          );
          try {
            const cost = optimizer.minimize(() => {
              const y = forward(x);
              const loss = tf.div(tripletLossTensor(tf.matMul(ia!, y), tf.matMul(ip!, y), tf.matMul(ineg!, y), cfg.alpha), triplets.length);
              const decay = tf.mul(cfg.weightDecay, tf.add(tf.sum(tf.square(tf.sub(w, eye))), tf.sum(tf.square(b))));
              return tf.add(loss, decay) as tfjs.Scalar;
            }, true);
            // the mined triplets' loss before the step (weight decay left out)
            const y = embedded;
            for (const [a, p, n] of triplets) {
              let dap = 0;
              let dan = 0;
              for (let k = 0; k < dim; k++) {
                dap += (y[a * dim + k]! - y[p * dim + k]!) ** 2;
                dan += (y[a * dim + k]! - y[n * dim + k]!) ** 2;
              }
              const l = Math.max(dap - dan + cfg.alpha, 0);
              lossSum += l;
              if (l > 0) active++;
            }
            tripletCount += triplets.length;
            cost?.dispose();
          } finally {
            tf.dispose([ia!, ip!, ineg!]);
          }
        } finally {
          x.dispose();
        }
      }
      const weights = Array.from(w.dataSync());
      const bias = Array.from(b.dataSync());
      const held_ = heldOutLoss(held, weights, bias, cfg.alpha);
      const stats = {
        epoch,
        trainLoss: tripletCount ? lossSum / tripletCount : Number.NaN,
        activeTriplets: tripletCount ? active / tripletCount : 0,
        heldOutLoss: held_.all,
        heldOutHardestLoss: held_.hardest,
        heldOutFnmr: held_.fnmrAtFmr1e3,
      };
      curve.push(stats);
      onEpoch(stats);
      if (better(held_, best.loss)) best = { loss: held_, epoch, weights, bias };
      else if (epoch - best.epoch >= cfg.patience) {
        stoppedEarly = true;
        break;
      }
    }
  } finally {
    tf.dispose([w, b, eye]);
    optimizer.dispose();
  }
  return {
    weights: best.weights,
    bias: best.bias,
    curve,
    bestEpoch: best.epoch,
    heldOutLossBefore: before,
    heldOutLossAfter: best.loss,
    trainIdentities: train,
    heldOutIdentities: heldOut,
    trainPhotos: train.reduce((n, name) => n + people.get(name)!.length, 0),
    stoppedEarly,
  };
}
