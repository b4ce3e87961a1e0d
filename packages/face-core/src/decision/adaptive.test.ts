import { describe, expect, it } from 'vitest';
import { adaptationRefusal, DEFAULT_ADAPTATION_CONFIG, withAdaptiveSample, type AdaptationContext } from './adaptive.ts';
import type { FaceDecision } from './decide.ts';

const THRESHOLD = 0.5;
const HOUR = 3_600_000;

/** An acceptance of `alice` at `distance`, with `bob` the next person at `rival` (none when null). */
function accepted(distance: number, rival: number | null = null, fields: Partial<FaceDecision> = {}): FaceDecision {
  return {
    outcome: 'accept',
    reason: 'match',
    identity: 'alice',
    distance,
    threshold: THRESHOLD,
    stepUpThreshold: THRESHOLD * 1.1,
    candidates: [{ identity: 'alice', distance }, ...(rival === null ? [] : [{ identity: 'bob', distance: rival }])],
    rival: null,
    frames: [{ index: 0, refused: null }],
    framesUsed: 1,
    message: null,
    ...fields,
  };
}

// The probe 0.2 away from alice's one enrolment sample.
const ctx: AdaptationContext = { probe: [0.2, 0], enrolment: [[0, 0]], lastAdaptedAt: null, now: 10 * HOUR, live: true };

describe('adaptive templates: which acceptances may add their frame', () => {
  it('a confident, clear, live, anchored acceptance may', () => {
    expect(adaptationRefusal(accepted(0.2, 0.6), ctx)).toBeNull();
  });

  it('never a refusal, a step-up or an ambiguous answer', () => {
    expect(adaptationRefusal(accepted(0.2, null, { outcome: 'step_up', reason: 'borderline' }), ctx)).toBe('not_accepted');
    expect(adaptationRefusal(accepted(0.2, null, { outcome: 'step_up', reason: 'ambiguous' }), ctx)).toBe('not_accepted');
    expect(adaptationRefusal(accepted(0.2, null, { outcome: 'reject', reason: 'no_match' }), ctx)).toBe('not_accepted');
  });

  it('not a borderline acceptance: beyond 0.8 x the threshold', () => {
    expect(adaptationRefusal(accepted(0.8 * THRESHOLD + 0.01), ctx)).toBe('not_confident');
    expect(adaptationRefusal(accepted(0.8 * THRESHOLD - 0.01), ctx)).toBeNull();
  });

  it('not when the next person is within the margin', () => {
    expect(adaptationRefusal(accepted(0.2, 0.2 + DEFAULT_ADAPTATION_CONFIG.minMargin - 0.01), ctx)).toBe('no_margin');
  });

  it('not when the check did not say live, nor on frames that failed the quality gates', () => {
    expect(adaptationRefusal(accepted(0.2), { ...ctx, live: false })).toBe('not_live');
    expect(adaptationRefusal(accepted(0.2, null, { framesUsed: 0 }), ctx)).toBe('quality');
  });

  it('only close to an ENROLMENT sample: door samples never vouch for door samples', () => {
    expect(adaptationRefusal(accepted(0.2), { ...ctx, probe: [THRESHOLD + 0.1, 0] })).toBe('far_from_enrolment');
  });

  it('at most once an hour per person', () => {
    expect(adaptationRefusal(accepted(0.2), { ...ctx, lastAdaptedAt: ctx.now - HOUR + 1 })).toBe('too_soon');
    expect(adaptationRefusal(accepted(0.2), { ...ctx, lastAdaptedAt: ctx.now - HOUR })).toBeNull();
  });
});

describe('adaptive templates: the cap', () => {
  it('keeps the 5 newest door samples, the oldest aged out first', () => {
    let kept: number[] = [];
    const agedOut: number[] = [];
    for (let i = 1; i <= 7; i++) {
      const next = withAdaptiveSample(kept, i);
      kept = next.kept;
      agedOut.push(...next.agedOut);
    }
    expect(kept).toEqual([3, 4, 5, 6, 7]);
    expect(agedOut).toEqual([1, 2]);
  });
});
