import type * as tf from '@tensorflow/tfjs';
import { tensorFlow } from '../tensorflow.ts';

/**
 * FaceNet's triplet loss over a batch of m triplets of d-dimensional encodings:
 *   J = sum_i max(|f(A_i) - f(P_i)|^2 - |f(A_i) - f(N_i)|^2 + alpha, 0)
 * `anchor`, `positive` and `negative` are (m, d) tensors (or nested arrays); returns a scalar tensor
 * the caller owns. Intermediate tensors are freed.
 */
export function tripletLoss(
  [anchor, positive, negative]: readonly [tf.TensorLike | tf.Tensor, tf.TensorLike | tf.Tensor, tf.TensorLike | tf.Tensor],
  alpha = 0.2,
): tf.Scalar {
  const tf = tensorFlow();
  return tf.tidy(() => {
    const a = asTensor(anchor);
    const p = asTensor(positive);
    const n = asTensor(negative);
    if (!sameShape(a.shape, p.shape) || !sameShape(a.shape, n.shape)) {
      throw new RangeError(`anchor, positive and negative must have one shape; got ${a.shape}, ${p.shape}, ${n.shape}`);
    }
    // (m, d) -> (m): squared distances along the encoding axis
    const positiveDistance = tf.sum(tf.square(tf.sub(a, p)), -1);
    const negativeDistance = tf.sum(tf.square(tf.sub(a, n)), -1);
    const basic = tf.add(tf.sub(positiveDistance, negativeDistance), alpha);
    return tf.sum(tf.maximum(basic, 0)) as tf.Scalar;
  });
}

function asTensor(value: tf.TensorLike | tf.Tensor): tf.Tensor {
  const tf = tensorFlow();
  return value instanceof tf.Tensor ? value : tf.tensor(value as tf.TensorLike, undefined, 'float32');
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
