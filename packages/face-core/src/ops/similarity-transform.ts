export type Point = readonly [number, number];

/**
 * A 2-D similarity transform (rotation, uniform scale, translation):
 * x' = a*x - b*y + tx,  y' = b*x + a*y + ty.
 */
export interface SimilarityTransform {
  readonly a: number;
  readonly b: number;
  readonly tx: number;
  readonly ty: number;
}

/**
 * Least-squares similarity transform mapping `from[i]` onto `to[i]` (Umeyama 1991 without reflection).
 * Throws when the point lists differ in length or hold fewer than two points.
 */
export function estimateSimilarityTransform(from: readonly Point[], to: readonly Point[]): SimilarityTransform {
  if (from.length !== to.length) throw new RangeError(`point lists differ in length: ${from.length} vs ${to.length}`);
  const n = from.length;
  if (n < 2) throw new RangeError('a similarity transform needs at least two points');
  let fx = 0,
    fy = 0,
    tx = 0,
    ty = 0;
  for (let i = 0; i < n; i++) {
    fx += from[i]![0];
    fy += from[i]![1];
    tx += to[i]![0];
    ty += to[i]![1];
  }
  fx /= n;
  fy /= n;
  tx /= n;
  ty /= n;
  // With centred points p (from) and q (to), the best a, b minimise sum |q - R p|^2:
  // a = sum(p.q) / sum|p|^2,  b = sum(p x q) / sum|p|^2.
  let dot = 0,
    cross = 0,
    norm = 0;
  for (let i = 0; i < n; i++) {
    const px = from[i]![0] - fx,
      py = from[i]![1] - fy;
    const qx = to[i]![0] - tx,
      qy = to[i]![1] - ty;
    dot += px * qx + py * qy;
    cross += px * qy - py * qx;
    norm += px * px + py * py;
  }
  if (norm === 0) throw new RangeError('the source points all coincide');
  const a = dot / norm;
  const b = cross / norm;
  return { a, b, tx: tx - (a * fx - b * fy), ty: ty - (b * fx + a * fy) };
}

export function applyTransform(t: SimilarityTransform, [x, y]: Point): [number, number] {
  return [t.a * x - t.b * y + t.tx, t.b * x + t.a * y + t.ty];
}

export function invertTransform(t: SimilarityTransform): SimilarityTransform {
  const det = t.a * t.a + t.b * t.b;
  if (det === 0) throw new RangeError('the transform is degenerate');
  const a = t.a / det;
  const b = -t.b / det;
  return { a, b, tx: -(a * t.tx - b * t.ty), ty: -(b * t.tx + a * t.ty) };
}

/** How much the transform enlarges lengths. */
export function transformScale(t: SimilarityTransform): number {
  return Math.hypot(t.a, t.b);
}
