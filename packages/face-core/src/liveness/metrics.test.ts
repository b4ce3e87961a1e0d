import { describe, expect, it } from 'vitest';
import { DOOR_CALIBRATION_STEP_UP } from './constants.ts';
import { bursts, groupWeightedQuantile, ratesAt, type ScoredPhoto } from './evaluate.ts';
import { padAuc } from './metrics.ts';
import { doorLivePoint, livenessScore, livenessVerdict } from './score.ts';

const photo = (live: boolean, score: number | null, extra: Partial<ScoredPhoto> = {}): ScoredPhoto => ({
  set: 'pad',
  file: 'x.jpg',
  path: 'x.jpg',
  live,
  subject: 's1',
  source: 'src',
  attack: live ? 'none' : 'print',
  role: 'pad',
  score,
  ...extra,
});

describe('liveness score and verdict', () => {
  it('averages the networks in log-odds and spreads them by the temperature; monotone', () => {
    expect(livenessScore([0.5, 0.5])).toBeCloseTo(0.5, 12);
    // logit(0.9999) = 9.21 and logit(0.5) = 0: mean 4.6, / 4 -> sigmoid(1.15) = 0.76
    expect(livenessScore([0.9999, 0.5])).toBeCloseTo(1 / (1 + Math.exp(-Math.log(9999) / 8)), 9);
    expect(livenessScore([0.9, 0.9])).toBeLessThan(livenessScore([0.95, 0.9]));
    expect(() => livenessScore([])).toThrow(RangeError);
  });

  it('cuts a score into attack, uncertain and live at the two points', () => {
    const points = { attack: 0.2, live: 0.8 };
    expect(livenessVerdict(0.19, points)).toBe('attack');
    expect(livenessVerdict(0.2, points)).toBe('uncertain');
    expect(livenessVerdict(0.79, points)).toBe('uncertain');
    expect(livenessVerdict(0.8, points)).toBe('live');
  });

  it("sets a door's live point from its own live scores, never below the attack point", () => {
    const scores = Array.from({ length: 100 }, (_, i) => 0.3 + i * 0.005); // 0.300 .. 0.795
    expect(doorLivePoint(scores, 0.1, DOOR_CALIBRATION_STEP_UP)).toBeCloseTo(0.325, 9);
    expect(doorLivePoint(scores, 0.5, DOOR_CALIBRATION_STEP_UP)).toBe(0.5);
    expect(doorLivePoint(scores.slice(0, 19), 0.1, DOOR_CALIBRATION_STEP_UP)).toBeNull();
  });
});

describe('presentation-attack rates', () => {
  it('counts refusals, step-ups and acceptances of each class; no face is a refusal', () => {
    const scored = [
      photo(true, 0.9),
      photo(true, 0.5),
      photo(true, 0.1),
      photo(true, null),
      photo(false, 0.05),
      photo(false, 0.5),
      photo(false, 0.95, { attack: 'replay' }),
      photo(false, null),
    ];
    const r = ratesAt(scored, { attack: 0.2, live: 0.8 });
    expect(r).toMatchObject({
      live: 4,
      attacks: 4,
      noFace: { live: 1, attacks: 1 },
      bpcer: 0.5,
      liveStepUp: 0.25,
      apcer: 0.25,
      attackStepUp: 0.25,
    });
    expect(r.byAttack).toEqual({ print: { attacks: 3, apcer: 0, stepUp: 1 / 3 }, replay: { attacks: 1, apcer: 1, stepUp: 0 } });
    expect(ratesAt([photo(true, 0.9)], { attack: 0.2, live: 0.8 })).toMatchObject({ apcer: null, auc: null });
  });

  it('weighs each group the same when choosing a point, whatever its number of photos', () => {
    // 100 frames of one subject at 0.9 and one photo of another at 0.1: each is half the weight.
    const items = [...Array.from({ length: 100 }, () => ({ value: 0.9, group: 'a' })), { value: 0.1, group: 'b' }];
    expect(groupWeightedQuantile(items, 0.4)).toBe(0.1);
    expect(groupWeightedQuantile(items, 0.6)).toBe(0.9);
  });

  it('fuses runs of consecutive frames of one session into bursts', () => {
    const frames = [1, 2, 3, 4, 5, 6, 7].map((n) => photo(true, n === 2 ? 0.1 : 0.9, { file: `live/s1_sess_${n}.jpg` }));
    const b = bursts(frames, 3);
    expect(b).toHaveLength(2);
    expect(b[0]!.score).toBeCloseTo(0.9, 9); // the median: one spoiled frame does not refuse the burst
  });

  it('ranks live above attack scores (AUC), no face lowest', () => {
    expect(padAuc([photo(true, 0.9), photo(false, 0.1)])).toBe(1);
    expect(padAuc([photo(true, null), photo(false, 0.1)])).toBe(0);
  });
});
