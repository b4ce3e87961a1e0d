import { describe, expect, it } from 'vitest';
import { l2Normalize } from '../ops/l2.ts';
import { distanceToPerson, rankCandidates, verify, whoIsIt } from './match.ts';

const unit = (...v: number[]) => l2Normalize(v);
const database = {
  ann: [unit(1, 0, 0), unit(0.9, 0.1, 0)],
  bob: unit(0, 1, 0),
};

describe('verify', () => {
  it('opens for a probe close to the claimed person', () => {
    const result = verify(unit(1, 0.05, 0), 'ann', database, 0.5);
    expect(result.match).toBe(true);
    expect(result.distance).toBeLessThan(0.1);
  });

  it('stays shut for someone else holding the card', () => {
    const result = verify(unit(0, 1, 0), 'ann', database, 0.5);
    expect(result.match).toBe(false);
    expect(result.distance).toBeGreaterThan(1.2);
  });

  it('refuses an unknown identity without throwing', () => {
    expect(verify(unit(1, 0, 0), 'carol', database)).toEqual({ match: false, distance: Number.POSITIVE_INFINITY });
    expect(verify(unit(1, 0, 0), 'toString', database).match).toBe(false);
  });
});

describe('whoIsIt', () => {
  it('names the nearest person within the threshold', () => {
    expect(whoIsIt(unit(0.1, 1, 0), database, 0.5).identity).toBe('bob');
  });

  it('answers null ("not in the database") beyond the threshold, still giving the distance', () => {
    const result = whoIsIt(unit(0, 0, 1), database, 0.5);
    expect(result.identity).toBeNull();
    expect(result.distance).toBeCloseTo(Math.SQRT2);
  });

  it('answers null on an empty database', () => {
    expect(whoIsIt(unit(1, 0, 0), {})).toEqual({ identity: null, distance: Number.POSITIVE_INFINITY });
  });

  it('accepts a Map and ranks candidates nearest first', () => {
    const ranked = rankCandidates(unit(1, 0, 0), new Map(Object.entries(database)));
    expect(ranked.map((c) => c.identity)).toEqual(['ann', 'bob']);
  });
});

describe('gallery rules', () => {
  const samples = [unit(1, 0, 0), unit(0, 1, 0)];
  const probe = unit(1, 0, 0);
  it('nearest takes the closest sample', () => {
    expect(distanceToPerson(probe, samples, 'nearest')).toBe(0);
  });
  it('mean-distance averages over samples', () => {
    expect(distanceToPerson(probe, samples, 'mean-distance')).toBeCloseTo(Math.SQRT2 / 2);
  });
  it('centroid compares with the normalised mean encoding', () => {
    expect(distanceToPerson(probe, samples, 'centroid')).toBeCloseTo(Math.hypot(1 - Math.SQRT1_2, Math.SQRT1_2));
  });
});
