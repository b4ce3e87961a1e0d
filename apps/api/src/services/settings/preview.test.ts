import { describe, expect, it } from 'vitest';
import { deploymentCurve, falseAcceptAt, isGenuine, thresholdWarnings } from './preview.ts';

const attempt = (distance: number, decision: string, reason: string) => ({ kind: 'verify', distance, threshold: 0.347, decision, reason });

describe('settings preview', () => {
  it('labels attempts by the decision at the time and counts each side of every threshold', () => {
    const attempts = [
      attempt(0.2, 'accepted', 'match'),
      attempt(0.36, 'accepted', 'pin_ok'),
      attempt(0.3, 'refused', 'outside_schedule'),
      attempt(0.5, 'refused', 'no_match'),
      attempt(0.38, 'step_up', 'borderline'),
    ];
    expect(attempts.map(isGenuine)).toEqual([true, true, true, false, false]);
    const curve = deploymentCurve(attempts, 0.347, [0.25, 0.4, 0.6]);
    expect([curve.genuine, curve.impostor]).toEqual([3, 2]);
    expect(curve.points).toEqual([
      { threshold: 0.25, falseAcceptRate: 0, falseRejectRate: 2 / 3 },
      { threshold: 0.4, falseAcceptRate: 0.5, falseRejectRate: 0 },
      { threshold: 0.6, falseAcceptRate: 1, falseRejectRate: 0 },
    ]);
    expect(curve.labelling).toMatch(/no ground truth/);
  });

  it('reads each attempt against the threshold it was decided by: none accepted now that was refused then (issue 25 item 6)', () => {
    const current = 0.4;
    const attempts = [
      // Identifications are decided against their own, lower threshold: 0.36 was refused at 0.33.
      { kind: 'identify', distance: 0.36, threshold: 0.33, decision: 'refused', reason: 'not_in_database' },
      // Refused under an older, lower verification threshold.
      { kind: 'verify', distance: 0.37, threshold: 0.347, decision: 'refused', reason: 'no_match' },
      // Decided by something else than the distance: left out of both sides.
      { kind: 'verify', distance: 0.2, threshold: 0.4, decision: 'refused', reason: 'presentation_attack' },
      { kind: 'identify', distance: 0.25, threshold: 0.33, decision: 'step_up', reason: 'ambiguous' },
      { kind: 'verify', distance: 0.3, threshold: 0.4, decision: 'accepted', reason: 'match' },
      { kind: 'verify', distance: 0.6, threshold: 0.4, decision: 'refused', reason: 'no_match' },
    ];
    const curve = deploymentCurve(attempts, current, [0.4, 0.45]);
    expect([curve.genuine, curve.impostor]).toEqual([1, 3]);
    // At the threshold in force, no impostor is accepted (raw distances said 2 of 5, 40 %).
    expect(curve.points[0]).toEqual({ threshold: 0.4, falseAcceptRate: 0, falseRejectRate: 0 });
    // 0.03 and 0.023 over their thresholds: accepted at 0.45 (0.43, 0.423 on today's scale).
    expect(curve.points[1]!.falseAcceptRate).toBeCloseTo(2 / 3, 6);
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
