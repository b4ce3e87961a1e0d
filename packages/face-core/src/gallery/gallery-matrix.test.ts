import { describe, expect, it } from 'vitest';
import type { GalleryRule } from '../matching/constants.ts';
import { distanceToPerson, rankCandidates } from '../matching/match.ts';
import { l2Normalize } from '../ops/l2.ts';
import { GalleryMatrix } from './gallery-matrix.ts';

/** A deterministic pseudo-random unit vector. */
function unit(seed: number, dims = 128): number[] {
  let x = seed * 9301 + 49297;
  return l2Normalize(Array.from({ length: dims }, () => (x = (x * 9301 + 49297) % 233280) / 233280 - 0.5));
}

describe('GalleryMatrix: exact search over one contiguous Float32Array', () => {
  const people = new Map(
    Array.from({ length: 200 }, (_, p) => [`p${p}`, Array.from({ length: 1 + (p % 4) }, (_, s) => unit(p * 10 + s))] as const),
  );

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

describe('GalleryMatrix kept in step with changes, exact and through the HNSW index', () => {
  type People = Map<string, number[][]>;
  const expectSameAsPlain = (matrix: GalleryMatrix, people: People, probes: number[][], options: { minAgreement?: number } = {}) => {
    let agree = 0;
    for (const probe of probes) {
      const expected = rankCandidates(probe, people, 'soft-nearest').slice(0, 20);
      const got = matrix.rank(probe, 'soft-nearest', 20);
      if (got[0]?.identity === expected[0]?.identity) agree++;
      // Whatever is returned carries the person's exact distance.
      for (const c of got) expect(c.distance).toBeCloseTo(distanceToPerson(probe, people.get(c.identity)!, 'soft-nearest'), 5);
      if (options.minAgreement === undefined) expect(got.map((c) => c.identity)).toEqual(expected.map((c) => c.identity));
    }
    expect(agree / probes.length).toBeGreaterThanOrEqual(options.minAgreement ?? 1);
    expect(matrix.size).toBe(people.size);
  };
  // Probes near an enrolled sample (another photo of someone), as at a door.
  const near = (people: People, seed: number) => {
    const ids = [...people.keys()];
    const base = people.get(ids[seed % ids.length]!)![0]!;
    const noise = unit(seed + 50_000);
    return l2Normalize(base.map((v, k) => v + 0.08 * noise[k]!));
  };

  for (const annThreshold of [Number.POSITIVE_INFINITY, 300]) {
    it(`adds, replaces, removes and deactivates people without a rebuild (${annThreshold === 300 ? 'HNSW' : 'exact'})`, async () => {
      const people: People = new Map(
        Array.from({ length: 600 }, (_, p) => [`p${p}`, Array.from({ length: 1 + (p % 3) }, (_, s) => unit(p * 10 + s))]),
      );
      const matrix = new GalleryMatrix(people, { annThreshold });
      await matrix.whenIndexed();
      expect(matrix.mode).toBe(annThreshold === 300 ? 'hnsw' : 'exact');
      const probes = Array.from({ length: 15 }, (_, i) => near(people, i * 37 + 5));
      expectSameAsPlain(matrix, people, probes, { minAgreement: annThreshold === 300 ? 0.9 : undefined });

      // Enrolment of new people, more samples for others, deletions (the rows of the last people move).
      for (let p = 600; p < 700; p++) {
        people.set(`p${p}`, [unit(p * 10), unit(p * 10 + 1)]);
        matrix.set(`p${p}`, people.get(`p${p}`)!);
      }
      people.set('p3', [...people.get('p3')!, unit(777_777)]);
      matrix.set('p3', people.get('p3')!);
      for (let p = 0; p < 700; p += 7) {
        people.delete(`p${p}`);
        expect(matrix.delete(`p${p}`)).toBe(true);
      }
      expect(matrix.delete('p0')).toBe(false);
      await matrix.whenIndexed();
      const after = Array.from({ length: 15 }, (_, i) => near(people, i * 41 + 3));
      expectSameAsPlain(matrix, people, after, { minAgreement: annThreshold === 300 ? 0.9 : undefined });
      // A deleted person is never found, even with their own face.
      const gone = unit(70);
      expect(matrix.rank(gone, 'soft-nearest', 20).some((c) => c.identity === 'p7')).toBe(false);
      expect(matrix.distanceTo('p7', gone, 'soft-nearest')).toBe(Number.POSITIVE_INFINITY);

      // A deactivated person is not identified, but enrolment checks still see them.
      const own = people.get('p10')![0]!;
      expect(matrix.rank(own, 'soft-nearest', 1)[0]!.identity).toBe('p10');
      matrix.setActive('p10', false);
      expect(matrix.rank(own, 'soft-nearest', 20).some((c) => c.identity === 'p10')).toBe(false);
      expect(matrix.withInactive().rank(own, 'soft-nearest', 1)[0]!.identity).toBe('p10');
      expect(matrix.distanceTo('p10', own, 'soft-nearest')).toBe(Number.POSITIVE_INFINITY);
      expect(matrix.size).toBe(people.size - 1);
      matrix.setActive('p10', true);
      expect(matrix.rank(own, 'soft-nearest', 1)[0]!.identity).toBe('p10');
    });
  }

  it('builds the index in the background (in a worker thread) once past the threshold, catching up with changes made meanwhile', async () => {
    // A worker that fails falls back to the main thread with a warning: there must be none.
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    const people: People = new Map(Array.from({ length: 400 }, (_, p) => [`p${p}`, [unit(p)]]));
    const matrix = new GalleryMatrix(people, { annThreshold: 500 });
    expect(matrix.mode).toBe('exact');
    for (let p = 400; p < 520; p++) {
      people.set(`p${p}`, [unit(p)]);
      matrix.set(`p${p}`, people.get(`p${p}`)!);
    }
    // Changes while the index is being built: searches stay exact meanwhile.
    matrix.delete('p1');
    people.delete('p1');
    people.set('p999', [unit(999)]);
    matrix.set('p999', people.get('p999')!);
    expectSameAsPlain(matrix, people, [near(people, 3)]);
    await matrix.whenIndexed();
    expect(matrix.mode).toBe('hnsw');
    for (const id of ['p999', 'p519', 'p2']) expect(matrix.rank(people.get(id)![0]!, 'soft-nearest', 1)[0]!.identity).toBe(id);
    expect(matrix.rank(unit(1), 'soft-nearest', 20).some((c) => c.identity === 'p1')).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    expect(warnings.filter((w) => w.includes('HNSW'))).toEqual([]);
  });
});
