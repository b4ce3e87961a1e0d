import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaceEngine, facesDir, hasFaces, verify, whoIsIt, type FaceEngine } from '../src/index.ts';

const seed = path.join(facesDir(), 'seed');
const EMPLOYEES = ['andrew', 'arnaud', 'benoit', 'bertrand', 'dan', 'danielle', 'felix', 'kevin', 'kian', 'sebastiano', 'tian', 'younes'];
const photo = (name: string) => path.join(seed, name === 'danielle' ? 'danielle.png' : `${name}.jpg`);

// The original exercise's office: 12 employees enrolled from one 96x96 photo each, door-camera shots.
describe.skipIf(!hasFaces('seed'))(`the exercise's office (needs ${seed}; skipped when absent)`, () => {
  let engine: FaceEngine;
  const database: Record<string, number[]> = {};
  const camera = async (n: number) => (await engine.encodeFace(path.join(seed, `camera_${n}.jpg`))).encoding;

  beforeAll(async () => {
    engine = await createFaceEngine();
    for (const name of EMPLOYEES) database[name] = (await engine.encodeFace(photo(name))).encoding;
  });
  afterAll(() => engine?.dispose());

  it('enrols all 12 employees', () => {
    expect(Object.keys(database)).toHaveLength(12);
  });

  it('verifies and identifies camera_0 as younes', async () => {
    const probe = await camera(0);
    expect(verify(probe, 'younes', database).match).toBe(true);
    expect(whoIsIt(probe, database).identity).toBe('younes');
  });

  it("refuses camera_2 (benoit holding kian's card) claiming to be kian", async () => {
    expect(verify(await camera(2), 'kian', database).match).toBe(false);
  });

  it('verifies camera_1 as bertrand and refuses it as younes', async () => {
    const probe = await camera(1);
    expect(verify(probe, 'bertrand', database).match).toBe(true);
    expect(verify(probe, 'younes', database).match).toBe(false);
  });

  it('refuses camera_3 claiming to be younes', async () => {
    expect(verify(await camera(3), 'younes', database).match).toBe(false);
  });

  it("identifies younes's own enrolment photo as younes at distance 0", async () => {
    const result = whoIsIt((await engine.encodeFace(photo('younes'))).encoding, database);
    expect(result.identity).toBe('younes');
    expect(result.distance).toBeLessThan(1e-6);
  });
});
