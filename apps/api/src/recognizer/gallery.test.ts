import { decideIdentification, l2Normalize, rankCandidates, type Encoding } from '@facegate/face-core';
import { describe, expect, it } from 'vitest';
import { Gallery, type GalleryPerson } from './gallery.ts';

/** Deterministic unit vectors (mulberry32). */
function vectors(seed: number) {
  return () => {
    const v = Array.from({ length: 128 }, () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
    });
    return l2Normalize(v);
  };
}

describe('the API gallery follows the database through every change (HNSW above a small threshold)', () => {
  it('adds, re-enrols, deactivates, reactivates and erases people; identification agrees with exact search on what the database holds', async () => {
    const next = vectors(7);
    // The "database": what loadGallery would read.
    const db = new Map<string, GalleryPerson>();
    for (let i = 0; i < 1500; i++)
      db.set(`p${i}`, { id: `p${i}`, name: `P ${i}`, cardId: null, active: true, encodings: [next(), ...(i % 3 === 0 ? [next()] : [])] });
    const gallery = new Gallery(async (ids) => (ids ? ids.flatMap((id) => (db.has(id) ? [db.get(id)!] : [])) : [...db.values()]), {
      annThreshold: 1000,
    });
    await gallery.reload();
    await gallery.whenIndexed();
    expect(gallery.mode).toBe('hnsw');

    const exactNearest = (probe: Encoding) => {
      const active = new Map([...db.values()].filter((p) => p.active).map((p) => [p.id, p.encodings]));
      return rankCandidates(probe, active, 'soft-nearest')[0]!.identity;
    };
    const nearOf = (id: string) => {
      const noise = next();
      return l2Normalize(db.get(id)!.encodings[0]!.map((v, k) => v + 0.05 * noise[k]!));
    };
    const found = (probe: Encoding) => gallery.database().rank(probe, 'soft-nearest', 20)[0]?.identity;

    // Enrolment of new people, one at a time as the API refreshes them.
    for (let i = 1500; i < 1600; i++) {
      db.set(`p${i}`, { id: `p${i}`, name: `P ${i}`, cardId: null, active: true, encodings: [next()] });
      await gallery.refresh([`p${i}`]);
    }
    // Re-enrolment (a new sample) of someone, deactivation of another, erasure of a third.
    db.set('p10', { ...db.get('p10')!, encodings: [...db.get('p10')!.encodings, next()] });
    db.set('p20', { ...db.get('p20')!, active: false });
    const erased = db.get('p30')!;
    db.delete('p30');
    await gallery.refresh(['p10', 'p20', 'p30']);

    for (const id of ['p1550', 'p10', 'p42', 'p1599', 'p777']) {
      expect(found(nearOf(id))).toBe(id);
      expect(found(nearOf(id))).toBe(exactNearest(nearOf(id)));
    }
    expect(found(db.get('p10')!.encodings.at(-1)!)).toBe('p10');
    // The deactivated person is not identified, but enrolment's duplicate check still finds them.
    const p20 = db.get('p20')!.encodings[0]!;
    expect(found(p20)).not.toBe('p20');
    expect(gallery.database({ includeInactive: true }).rank(p20, 'soft-nearest', 1)[0]!.identity).toBe('p20');
    // The erased person is found by nobody, under any probe; an identification of their face accepts no one.
    expect(found(erased.encodings[0]!)).not.toBe('p30');
    expect(
      gallery
        .database({ includeInactive: true })
        .rank(erased.encodings[0]!, 'soft-nearest', 20)
        .some((c) => c.identity === 'p30'),
    ).toBe(false);
    const decision = decideIdentification(
      [{ encoding: erased.encodings[0]!, quality: { eyeDistancePx: 60, sharpness: 20, yawDeg: 0, pitchDeg: 0, brightness: 120 } }],
      gallery.database(),
    );
    expect(decision.outcome).toBe('reject');
    // Reactivation brings them back; the gallery size is that of active people.
    db.set('p20', { ...db.get('p20')!, active: true });
    await gallery.refresh(['p20']);
    expect(found(p20)).toBe('p20');
    expect(gallery.size).toBe(db.size);
  });
});
