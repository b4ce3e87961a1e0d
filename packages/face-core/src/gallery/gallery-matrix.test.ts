import { describe, expect, it } from 'vitest';
import type { GalleryRule } from '../matching/constants.ts';
import { distanceToPerson, rankCandidates } from '../matching/match.ts';
import { l2Normalize } from '../ops/l2.ts';
import { GalleryMatrix } from './gallery-matrix.ts';

/** A deterministic pseudo-random unit vector. */
function unit(seed: number, dims = 128): number[] {
  let x = seed * 9301 + 49297;
  return l2Normalize(Array.from({ length: dims }, () => ((x = (x * 9301 + 49297) % 233280) / 233280) - 0.5));
}

describe('GalleryMatrix: exact search over one contiguous Float32Array', () => {
  const people = new Map(Array.from({ length: 200 }, (_, p) => [`p${p}`, Array.from({ length: 1 + (p % 4) }, (_, s) => unit(p * 10 + s))] as const));

  it('ranks as the plain rules do, for every rule', () => {
    const matrix = new GalleryMatrix(people);
    for (const rule of ['nearest', 'soft-nearest', 'centroid', 'mean-distance'] as GalleryRule[]) {
      for (const seed of [3, 17, 1234]) {
        const probe = unit(seed * 7 + 1);
        const expected = rankCandidates(probe, people, rule).slice(0, 10);
        const got = matrix.rank(probe, rule, 10);
        expect(got.map((c) => c.identity)).toEqual(expected.map((c) => c.identity));
        got.forEach((c, i) => expect(c.distance).toBeCloseTo(expected[i]!.distance, 5));
      }
    }
  });

  it('compares one claimed person exactly, and knows nobody it was not given', () => {
    const matrix = new GalleryMatrix(people);
    const probe = unit(99);
    expect(matrix.distanceTo('p42', probe, 'soft-nearest')).toBeCloseTo(distanceToPerson(probe, people.get('p42')!, 'soft-nearest'), 5);
    expect(matrix.distanceTo('nobody', probe, 'nearest')).toBe(Number.POSITIVE_INFINITY);
    expect(matrix.size).toBe(200);
  });
});
