/** One encoding (d numbers) or a batch of m encodings ((m, d)): arrays, typed arrays, or anything with arraySync() (a tf.Tensor). */
export type EncodingBatch = ArrayLike<number> | ArrayLike<ArrayLike<number>> | { arraySync(): unknown };

/**
 * FaceNet's triplet loss over a batch of m triplets of d-dimensional encodings:
 *   J = sum_i max(|f(A_i) - f(P_i)|^2 - |f(A_i) - f(N_i)|^2 + alpha, 0)
 * Plain arithmetic: no TensorFlow.js backend is needed, so it works straight after import. A single
 * triplet of d-vectors is a batch of one. (The differentiable version that training uses is
 * learning/triplet.ts's tripletLossTensor.)
 */
export function tripletLoss([anchor, positive, negative]: readonly [EncodingBatch, EncodingBatch, EncodingBatch], alpha = 0.2): number {
  const a = asRows(anchor);
  const p = asRows(positive);
  const n = asRows(negative);
  if (!sameShape(a, p) || !sameShape(a, n)) {
    throw new RangeError(`anchor, positive and negative must have one shape; got ${shape(a)}, ${shape(p)}, ${shape(n)}`);
  }
  let loss = 0;
  for (let i = 0; i < a.length; i++) {
    loss += Math.max(squaredDistance(a[i]!, p[i]!) - squaredDistance(a[i]!, n[i]!) + alpha, 0);
  }
  return loss;
}

/** |a - b|^2 */
export function squaredDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let k = 0; k < a.length; k++) {
    const d = a[k]! - b[k]!;
    sum += d * d;
  }
  return sum;
}

function asRows(value: EncodingBatch): ArrayLike<number>[] {
  const v = (
    typeof (value as { arraySync?: unknown }).arraySync === 'function' ? (value as { arraySync(): unknown }).arraySync() : value
  ) as ArrayLike<number> | ArrayLike<ArrayLike<number>> | number;
  if (typeof v === 'number') throw new RangeError('an encoding must have at least one dimension');
  if (v.length > 0 && typeof v[0] === 'number') return [v as ArrayLike<number>];
  const rows = Array.from(v as ArrayLike<ArrayLike<number>>);
  for (const row of rows) {
    if (typeof row !== 'object' || row === null || (row.length > 0 && typeof row[0] !== 'number'))
      throw new RangeError('encodings must be (d) or (m, d)');
  }
  return rows;
}

function shape(rows: ArrayLike<number>[]): string {
  return `${rows.length},${rows[0]?.length ?? 0}`;
}

function sameShape(a: ArrayLike<number>[], b: ArrayLike<number>[]): boolean {
  return a.length === b.length && a.every((row, i) => row.length === b[i]!.length);
}
