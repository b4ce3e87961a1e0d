import { describe, expect, it } from 'vitest';
import { accuracyAt, areaUnderCurve, bestThreshold, equalErrorRate, rocCurve, tarAtFar } from './metrics.ts';

const separable = [
  { distance: 0.1, same: true },
  { distance: 0.2, same: true },
  { distance: 0.8, same: false },
  { distance: 0.9, same: false },
];
const overlapping = [
  { distance: 0.1, same: true },
  { distance: 0.5, same: false },
  { distance: 0.6, same: true },
  { distance: 0.9, same: false },
];

describe('verification metrics', () => {
  it('accuracy counts "same" as distance below the threshold', () => {
    expect(accuracyAt(separable, 0.5)).toBe(1);
    expect(accuracyAt(separable, 0.15)).toBe(0.75);
  });

  it('finds a threshold between the classes when they separate', () => {
    const { threshold, accuracy } = bestThreshold(separable);
    expect(accuracy).toBe(1);
    expect(threshold).toBeGreaterThan(0.2);
    expect(threshold).toBeLessThan(0.8);
  });

  it('AUC is 1 for separable scores and 0.75 for the overlapping ones', () => {
    expect(areaUnderCurve(rocCurve(separable))).toBe(1);
    expect(areaUnderCurve(rocCurve(overlapping))).toBe(0.75);
  });

  it('EER is 0 when separable and 0.5 where one of two of each class is on the wrong side', () => {
    expect(equalErrorRate(rocCurve(separable))).toBe(0);
    expect(equalErrorRate(rocCurve(overlapping))).toBe(0.5);
  });

  it('TAR at a FAR bound takes the best point within the bound', () => {
    expect(tarAtFar(rocCurve(overlapping), 0)).toBe(0.5);
    expect(tarAtFar(rocCurve(overlapping), 0.5)).toBe(1);
  });

  it('treats an infinite distance (no face found) as a rejection', () => {
    expect(accuracyAt([{ distance: Number.POSITIVE_INFINITY, same: true }], 10)).toBe(0);
    expect(accuracyAt([{ distance: Number.POSITIVE_INFINITY, same: false }], 10)).toBe(1);
  });
});
