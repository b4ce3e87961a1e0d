import type * as tfjs from '@tensorflow/tfjs';
import { tensorFlow } from '../tensorflow.ts';
import type { Mining } from './constants.ts';

/** Indices of (anchor, positive, negative) rows. */
export type Triplet = readonly [number, number, number];

/**
 * The exercise's triplet loss on tensors, differentiable: (m, d) anchors, positives, negatives ->
 * scalar sum_i max(|a_i - p_i|^2 - |a_i - n_i|^2 + alpha, 0). Call inside tf.tidy or a gradient.
 */
export function tripletLossTensor(anchor: tfjs.Tensor2D, positive: tfjs.Tensor2D, negative: tfjs.Tensor2D, alpha: number): tfjs.Scalar {
  const tf = tensorFlow();
  const positiveDistance = tf.sum(tf.square(tf.sub(anchor, positive)), -1);
  const negativeDistance = tf.sum(tf.square(tf.sub(anchor, negative)), -1);
  return tf.sum(tf.relu(tf.add(tf.sub(positiveDistance, negativeDistance), alpha)));
}

/** Squared L2 distances between the rows of a flat (n, d) matrix: (n * n), row-major. */
export function squaredDistances(rows: Float32Array | readonly number[], n: number, d: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < d; k++) {
        const diff = rows[i * d + k]! - rows[j * d + k]!;
        sum += diff * diff;
      }
      out[i * n + j] = sum;
      out[j * n + i] = sum;
    }
  }
  return out;
}

/**
 * Online triplet mining in a batch (FaceNet, section 3.2): every anchor-positive pair (same label,
 * different photo) gets one negative (another label). semi-hard: the nearest negative farther than the
 * positive (d(a,n) > d(a,p)); when there is none, the farthest negative, as TensorFlow's
 * triplet_semihard_loss does. hard: the nearest negative. `photo[i]` tells the views of one photo apart
 * (a photo and its mirror image are no positive pair); rows whose label has no other photo serve as
 * negatives only.
 */
export function mineTriplets(distances: Float64Array, labels: readonly number[], photo: readonly number[], mining: Mining): Triplet[] {
  const n = labels.length;
  const triplets: Triplet[] = [];
  for (let a = 0; a < n; a++) {
    for (let p = 0; p < n; p++) {
      if (p === a || labels[p] !== labels[a] || photo[p] === photo[a]) continue;
      const dap = distances[a * n + p]!;
      let best = -1;
      let bestDistance = Number.POSITIVE_INFINITY;
      let farthest = -1;
      let farthestDistance = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < n; k++) {
        if (labels[k] === labels[a]) continue;
        const dan = distances[a * n + k]!;
        if ((mining === 'hard' || dan > dap) && dan < bestDistance) {
          best = k;
          bestDistance = dan;
        }
        if (dan > farthestDistance) {
          farthest = k;
          farthestDistance = dan;
        }
      }
      const negative = best >= 0 ? best : farthest;
      if (negative >= 0) triplets.push([a, p, negative]);
    }
  }
  return triplets;
}
