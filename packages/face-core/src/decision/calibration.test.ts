import { describe, expect, it } from 'vitest';
import { falseMatchCurve, falseMatchRateAt, falseMatchRateForGallery, fusedBursts, thresholdForFalseMatchRate } from './calibration.ts';

describe('false-match calibration', () => {
  it('gives stricter thresholds for rarer false matches, and inverts', () => {
    const t4 = thresholdForFalseMatchRate(1e-4);
    const t3 = thresholdForFalseMatchRate(1e-3);
    expect(t4).toBeLessThan(t3);
    expect(falseMatchRateAt(t4)).toBeCloseTo(1e-4, 6);
    expect(thresholdForFalseMatchRate(falseMatchRateAt(0.37))).toBeCloseTo(0.37, 6);
    expect(() => thresholdForFalseMatchRate(0)).toThrow(RangeError);
  });

  it('is stricter for fused templates of several frames', () => {
    expect(thresholdForFalseMatchRate(1e-4, falseMatchCurve(2))).toBeLessThan(thresholdForFalseMatchRate(1e-4, falseMatchCurve(1)));
  });

  it('shares the FPIR budget out over the gallery: 1 % over 1000 people is about 1e-5 each', () => {
    expect(falseMatchRateForGallery(1e-4, 0.01, 1000)).toBeCloseTo(1.005e-5, 7);
    // Never looser than the verification rate, however small the office.
    expect(falseMatchRateForGallery(1e-4, 0.01, 12)).toBe(1e-4);
  });

  it('fuses bursts as the decision does: renormalised means of consecutive photos', () => {
    const bursts = fusedBursts(
      [
        [1, 0],
        [0, 1],
        [0.6, 0.8],
      ],
      2,
    );
    expect(bursts).toHaveLength(3);
    expect(bursts[0]![0]).toBeCloseTo(Math.SQRT1_2);
    expect(fusedBursts([[1, 0]], 2)).toEqual([]);
  });
});
