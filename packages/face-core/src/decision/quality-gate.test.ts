import { describe, expect, it } from 'vitest';
import { DEFAULT_QUALITY_GATES } from './constants.ts';
import { checkQuality, qualityChecks } from './quality-gate.ts';

describe('qualityChecks', () => {
  it('fails exactly the gates checkQuality refuses for, with the figure and the limit', () => {
    const good = { eyeDistancePx: 40, sharpness: 38.7, yawDeg: -10, pitchDeg: 5, brightness: 120 };
    const cases = [
      good,
      { ...good, eyeDistancePx: 11.9 },
      { ...good, sharpness: 5 },
      { ...good, yawDeg: -60 },
      { ...good, pitchDeg: 21 },
      { ...good, brightness: 24 },
      { ...good, brightness: 221 },
    ];
    for (const quality of cases) {
      const checks = qualityChecks(quality, DEFAULT_QUALITY_GATES);
      expect(checks).toHaveLength(6);
      const verdict = checkQuality(quality, DEFAULT_QUALITY_GATES);
      const failed = checks.filter((c) => !c.pass).map((c) => c.reason);
      expect(failed).toEqual(verdict.pass ? [] : [verdict.reason]);
    }
    expect(qualityChecks(good, DEFAULT_QUALITY_GATES).find((c) => c.measure === 'sharpness')).toEqual({
      reason: 'TOO_BLURRY',
      measure: 'sharpness',
      value: 38.7,
      bound: 'min',
      limit: 6,
      pass: true,
    });
  });

  it('leaves out what a stored sample did not keep', () => {
    expect(qualityChecks({ eyeDistancePx: 30, sharpness: 10, brightness: 100 }, DEFAULT_QUALITY_GATES).map((c) => c.measure)).toEqual([
      'eyeDistancePx',
      'sharpness',
      'brightness',
      'brightness',
    ]);
  });
});
