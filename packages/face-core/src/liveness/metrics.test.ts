import { describe, expect, it } from 'vitest';
import { fitLogistic, probability } from './classifier.ts';
import { apcerAtBpcer, bpcerAtApcer, padAuc, ratesWhen, thresholdForApcer, type PadAttempt } from './metrics.ts';

const attempt = (live: boolean, score: number | null): PadAttempt => ({ live, score });

describe('presentation-attack metrics', () => {
  const attempts = [
    attempt(true, 0.9), attempt(true, 0.8), attempt(true, 0.3), attempt(true, null),
    attempt(false, 0.1), attempt(false, 0.2), attempt(false, 0.85), attempt(false, null),
  ];

  it('counts a face not found as refused: never an accepted attack, always a refused live face', () => {
    expect(ratesWhen(attempts, () => true)).toEqual({ apcer: 3 / 4, bpcer: 1 / 4 });
    expect(ratesWhen(attempts, (a) => a.score! >= 0.5)).toEqual({ apcer: 1 / 4, bpcer: 2 / 4 });
  });

  it('sweeps thresholds for BPCER at an APCER and APCER at a BPCER', () => {
    // APCER 0 needs a threshold above 0.85: only 0.9 is accepted, 3 of 4 live refused.
    expect(bpcerAtApcer(attempts, 0)).toBe(3 / 4);
    // APCER 25 % allows the 0.85 attack: at t = 0.3 the lives 0.9, 0.8 and 0.3 pass, the attacks 0.1 and 0.2 do not.
    expect(bpcerAtApcer(attempts, 0.25)).toBe(1 / 4);
    // The no-face live attempt is refused at any threshold: BPCER can never go below 25 %.
    expect(apcerAtBpcer(attempts, 0.1)).toBe(1);
    expect(apcerAtBpcer(attempts, 0.25)).toBe(1 / 4);
  });

  it('AUC ranks no-face attempts lowest', () => {
    expect(padAuc([attempt(true, 0.2), attempt(false, null)])).toBe(1);
    expect(padAuc([attempt(true, null), attempt(false, 0.1)])).toBe(0);
  });

  it('thresholdForApcer accepts at most the allowed share of attacks', () => {
    const scores = Array.from({ length: 100 }, (_, i) => i / 100);
    const t = thresholdForApcer(scores, 0.05);
    expect(scores.filter((s) => s >= t).length).toBeLessThanOrEqual(5);
    expect(scores.filter((s) => s >= t).length).toBeGreaterThanOrEqual(4);
  });
});

describe('weighted logistic regression', () => {
  it('separates two Gaussian clouds and follows the sample weights', () => {
    // Deterministic pseudo-random points: class 1 around (+1, +1), class 0 around (-1, -1).
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
    const rows: Float64Array[] = [];
    const labels: (0 | 1)[] = [];
    for (let i = 0; i < 200; i++) {
      const y = (i % 2) as 0 | 1;
      const c = y ? 1 : -1;
      rows.push(Float64Array.from([c + rand(), c + rand(), rand() * 10]));
      labels.push(y);
    }
    const model = fitLogistic(rows, labels, rows.map(() => 1), { lambda: 1e-3 });
    const correct = rows.filter((r, i) => (probability(model, r) >= 0.5 ? 1 : 0) === labels[i]).length;
    expect(correct).toBe(200);
    // The noise column gets a much smaller coefficient than the informative ones.
    expect(Math.abs(model.coefficients[2]!)).toBeLessThan(Math.abs(model.coefficients[0]!) / 3);
    // A point weighted 1000 times moves the boundary: (0, 0) becomes "class 1" when it is labelled 1 and heavy.
    const heavy = fitLogistic([...rows, Float64Array.from([-0.3, -0.3, 0])], [...labels, 1], [...rows.map(() => 1), 1000], { lambda: 1e-3 });
    expect(probability(heavy, Float64Array.from([-0.3, -0.3, 0]))).toBeGreaterThan(0.5);
    expect(probability(model, Float64Array.from([-0.3, -0.3, 0]))).toBeLessThan(0.5);
  });
});
