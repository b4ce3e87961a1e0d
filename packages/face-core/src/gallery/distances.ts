import { SOFT_NEAREST_TEMPERATURE, type GalleryRule } from '../matching/constants.ts';

/** Exact squared L2 distance (float64) from the probe to one row of a matrix. */
export function squaredL2(q: Float64Array, m: Float32Array, base: number, dims: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < dims; k += 4) {
    const d0 = q[k]! - m[base + k]!;
    const d1 = q[k + 1]! - m[base + k + 1]!;
    const d2 = q[k + 2]! - m[base + k + 2]!;
    const d3 = q[k + 3]! - m[base + k + 3]!;
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  for (; k < dims; k++) {
    const d = q[k]! - m[base + k]!;
    s0 += d * d;
  }
  return s0 + s1 + s2 + s3;
}

/** A person's distance by a rule from the distances to each of their samples (the centroid rule aside). */
export function ruleDistance(d: readonly number[], rule: Exclude<GalleryRule, 'centroid'>): number {
  let min = Number.POSITIVE_INFINITY;
  let sum = 0;
  for (const v of d) {
    if (v < min) min = v;
    sum += v;
  }
  if (rule === 'nearest') return min;
  if (rule === 'mean-distance') return sum / d.length;
  let meanExp = 0;
  for (const v of d) meanExp += Math.exp(-(v - min) / SOFT_NEAREST_TEMPERATURE);
  return min - SOFT_NEAREST_TEMPERATURE * Math.log(meanExp / d.length);
}
