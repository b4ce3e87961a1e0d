import { describe, expect, it } from 'vitest';
import { fuseLivenessScores } from './fusion.ts';

describe('fuseLivenessScores', () => {
  it('gives one frame its own score and no frames no score', () => {
    expect(fuseLivenessScores([0.37])).toBe(0.37);
    expect(fuseLivenessScores([])).toBeNull();
  });

  it('follows the majority of frames: one spoiled frame neither refuses a live burst nor admits an attack', () => {
    expect(fuseLivenessScores([0.95, 0.05, 0.9])!).toBeCloseTo(0.9, 10);
    expect(fuseLivenessScores([0.05, 0.99, 0.1])!).toBeCloseTo(0.1, 10);
  });

  it('bounds how far one near-certain frame pulls a two-frame burst', () => {
    // Unclamped, logit(1 - 1e-12) = 27.6 would make the pair 0.99999 live; clamped it is the mean of 4.6 and -1.39.
    expect(fuseLivenessScores([1 - 1e-12, 0.2])!).toBeLessThan(0.9);
    expect(fuseLivenessScores([0.8, 0.8])!).toBeCloseTo(0.8, 10);
  });
});
