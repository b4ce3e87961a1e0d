import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listGallery } from '../src/cli/gallery.ts';
import { createFaceEngine, encodeOpenSet, facesDir, hasFaces, scoreOpenSet, type FaceEngine, type OpenSetData } from '../src/index.ts';

const celeba = path.join(facesDir(), 'celeba-dev');

// A small open-set run on real in-the-wild photos: 16 people enrolled with 3 photos, 8 strangers.
// The full protocol (70 enrolled, 30 strangers) is `facegate eval open-set`; its figures are in the README.
describe.skipIf(!hasFaces('celeba-dev'))(`open-set identification on celeba-dev (needs ${celeba}; skipped when absent)`, () => {
  let engine: FaceEngine;
  let data: OpenSetData;

  beforeAll(async () => {
    engine = await createFaceEngine();
    const people = new Map([...(await listGallery(celeba))].slice(0, 24));
    data = await encodeOpenSet(engine, people, { enrolled: 16, samples: 3 });
  }, 600_000);
  afterAll(() => engine?.dispose());

  it('lets no stranger in at the defaults and recognises most enrolled people', () => {
    const report = scoreOpenSet(data);
    expect(report.enrolled).toBe(16);
    expect(report.strangerAttempts).toBeGreaterThan(60);
    expect(report.fpir).toBeLessThanOrEqual(0.02);
    expect(report.misidentification).toBeLessThanOrEqual(0.02);
    expect(report.fnir).toBeLessThan(0.35);
    // With the threshold swept until 1 % of strangers get in, most enrolled people are recognised.
    expect(report.fnirAtFpir['0.01']!).toBeLessThan(0.3);
  });

  it('misses fewer enrolled people with two frames fused than with one, strangers still kept out', () => {
    const one = scoreOpenSet(data, { frames: 1 });
    const two = scoreOpenSet(data, { frames: 2 });
    expect(two.fnir).toBeLessThan(one.fnir);
    expect(two.fpir).toBeLessThanOrEqual(0.02);
  });
});
