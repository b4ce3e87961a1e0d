import { describe, expect, it } from 'vitest';
import { applyTransform, estimateSimilarityTransform, invertTransform, type Point } from './similarity-transform.ts';

describe('estimateSimilarityTransform', () => {
  const truth = { a: 1.5 * Math.cos(0.3), b: 1.5 * Math.sin(0.3), tx: 12, ty: -7 };
  const from: Point[] = [
    [10, 20],
    [40, 25],
    [30, 60],
    [5, 45],
    [22, 33],
  ];

  it('recovers a rotation, scale and shift exactly from clean points', () => {
    const to = from.map((p) => applyTransform(truth, p));
    const t = estimateSimilarityTransform(from, to);
    expect(t.a).toBeCloseTo(truth.a, 10);
    expect(t.b).toBeCloseTo(truth.b, 10);
    expect(t.tx).toBeCloseTo(truth.tx, 8);
    expect(t.ty).toBeCloseTo(truth.ty, 8);
  });

  it('round-trips through its inverse', () => {
    const back = invertTransform(truth);
    const [x, y] = applyTransform(back, applyTransform(truth, [3, 4]));
    expect(x).toBeCloseTo(3, 10);
    expect(y).toBeCloseTo(4, 10);
  });

  it('refuses mismatched or degenerate point sets', () => {
    expect(() => estimateSimilarityTransform(from, from.slice(1))).toThrow(/differ in length/);
    expect(() =>
      estimateSimilarityTransform(
        [
          [1, 1],
          [1, 1],
        ],
        [
          [0, 0],
          [1, 1],
        ],
      ),
    ).toThrow(/coincide/);
  });
});
