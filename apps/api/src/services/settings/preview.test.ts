import { describe, expect, it } from 'vitest';
import { deploymentCurve, falseAcceptAt, isGenuine, thresholdWarnings } from './preview.ts';

const attempt = (distance: number, decision: string, reason: string) => ({ kind: 'verify', distance, threshold: 0.347, decision, reason });

describe('settings preview', () => {
  it('labels attempts by the decision at the time and counts each side of every threshold', () => {
    const attempts = [attempt(0.2, 'accepted', 'match'), attempt(0.36, 'accepted', 'pin_ok'), attempt(0.3, 'refused', 'outside_schedule'), attempt(0.5, 'refused', 'no_match'), attempt(0.38, 'step_up', 'borderline')];
    expect(attempts.map(isGenuine)).toEqual([true, true, true, false, false]);
    const curve = deploymentCurve(attempts, [0.25, 0.4, 0.6]);
    expect([curve.genuine, curve.impostor]).toEqual([3, 2]);
    expect(curve.points).toEqual([
      { threshold: 0.25, falseAcceptRate: 0, falseRejectRate: 2 / 3 },
      { threshold: 0.4, falseAcceptRate: 0.5, falseRejectRate: 0 },
      { threshold: 0.6, falseAcceptRate: 1, falseRejectRate: 0 },
    ]);
    expect(curve.labelling).toMatch(/no ground truth/);
  });

  it('reads the calibrated false-accept rate of a threshold, and says when it is beyond the measured curve', () => {
    expect(falseAcceptAt(0.3466).rate).toBeCloseTo(1e-4, 6);
    expect(falseAcceptAt(0.6)).toEqual({ rate: 0.316, beyondCurve: true });
  });

  it('warns about a threshold raised from 0.412 to 0.6 with the attempts it would flip, not about a small step', () => {
    const [warning] = thresholdWarnings({ from: 0.412, to: 0.6, attempts: 40, toAccepted: 7, toRefused: 0 });
    expect(warning).toContain('Raising the threshold from 0.412 to 0.600');
    expect(warning).toContain('7 refused would be accepted');
    expect(warning).toContain('more than 1 in 3');
    expect(thresholdWarnings({ from: 0.347, to: 0.36, attempts: 40, toAccepted: 1, toRefused: 0 })).toEqual([]);
    expect(thresholdWarnings({ from: 0.347, to: 0.25, attempts: 40, toAccepted: 0, toRefused: 5 })[0]).toContain('Lowering');
  });
});
