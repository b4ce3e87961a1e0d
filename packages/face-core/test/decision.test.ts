import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createFaceEngine,
  decideIdentification,
  decideVerification,
  DEFAULT_DECISION_CONFIG,
  facesDir,
  findDuplicate,
  hasFaces,
  type Encoding,
  type FaceEngine,
  type ProbeFace,
} from '../src/index.ts';

const seed = path.join(facesDir(), 'seed');
const EMPLOYEES = ['andrew', 'arnaud', 'benoit', 'bertrand', 'dan', 'danielle', 'felix', 'kevin', 'kian', 'sebastiano', 'tian', 'younes'];
const photo = (name: string) => path.join(seed, name === 'danielle' ? 'danielle.png' : `${name}.jpg`);
const cameraFile = (n: number) => path.join(seed, `camera_${n}.jpg`);

// The decision layer on the exercise's office: 12 employees enrolled from one photo each.
describe.skipIf(!hasFaces('seed'))(`decisions on the exercise's office (needs ${seed}; skipped when absent)`, () => {
  let engine: FaceEngine;
  const office = new Map<string, Encoding[]>();
  const probe = async (source: string | Buffer): Promise<ProbeFace> => {
    const face = await engine.encodeFace(source, { multiple: 'largest' });
    return { encoding: face.encoding, quality: face.quality };
  };
  const shrunk = async (n: number, side: number) => sharp(cameraFile(n)).resize(side, side).png().toBuffer();

  beforeAll(async () => {
    engine = await createFaceEngine();
    for (const name of EMPLOYEES) office.set(name, [(await probe(photo(name))).encoding]);
  });
  afterAll(() => engine?.dispose());

  it('decides as the exercise does: camera_0 is younes, camera_1 bertrand; the wrong claims stay shut', async () => {
    const [c0, c1, c2, c3] = await Promise.all([0, 1, 2, 3].map((n) => probe(cameraFile(n))));
    expect(decideVerification([c0!], 'younes', office)).toMatchObject({ outcome: 'accept', reason: 'match' });
    expect(decideIdentification([c0!], office)).toMatchObject({ outcome: 'accept', identity: 'younes' });
    expect(decideVerification([c1!], 'bertrand', office).outcome).toBe('accept');
    expect(decideIdentification([c1!], office)).toMatchObject({ outcome: 'accept', identity: 'bertrand' });
    expect(decideVerification([c1!], 'younes', office).outcome).toBe('reject');
    expect(decideVerification([c2!], 'kian', office).outcome).toBe('reject');
    expect(decideVerification([c3!], 'younes', office).outcome).toBe('reject');
  });

  it('never accepts camera_0 shrunk to 24 or 16 px as anyone: the face is too small to decide on', async () => {
    for (const side of [24, 16]) {
      const tiny = await probe(await shrunk(0, side)).catch(() => null);
      // No face found at all is as good as a refusal; a face found must be refused for its size.
      if (!tiny) continue;
      for (const name of EMPLOYEES) {
        const decision = decideVerification([tiny], name, office);
        expect(decision.outcome, `${side}px claiming ${name}`).toBe('reject');
        expect(decision.reason).toBe('face_too_small');
        expect(decision.distance).toBeNull();
      }
      expect(decideIdentification([tiny], office)).toMatchObject({ outcome: 'reject', reason: 'face_too_small', identity: null });
    }
  });

  it('refuses a heavily blurred face as too blurry, with a message for the person at the door', async () => {
    const blurred = await probe(await sharp(cameraFile(0)).resize(384, 384).blur(10).png().toBuffer());
    const decision = decideIdentification([blurred], office);
    expect(decision).toMatchObject({ outcome: 'reject', reason: 'too_blurry' });
    expect(decision.message).toMatch(/blurred/);
  });

  it('fuses only the frames that pass the gates: a tiny frame next to a good one does not spoil the attempt', async () => {
    const good = await probe(cameraFile(0));
    const tiny = await probe(await sharp(cameraFile(0)).resize(28, 28).png().toBuffer());
    const decision = decideIdentification([tiny, good], office);
    expect(decision).toMatchObject({ outcome: 'accept', identity: 'younes', framesUsed: 1 });
    expect(decision.frames).toEqual([
      { index: 0, refused: 'FACE_TOO_SMALL' },
      { index: 1, refused: null },
    ]);
  });

  it('decides a burst of one view on the one-frame curve, and independent photos on the multi-frame one', async () => {
    // Three frames of one visit (the same shot, slightly shifted and lit: encodings close together) gain
    // nothing from fusion: the one-frame threshold applies. Three different people's photos are far apart:
    // the tighter 3-frame threshold applies (the curve measured on templates of independent photos).
    const c0 = await probe(cameraFile(0));
    const shifted = await probe(
      await sharp(cameraFile(0)).extend({ top: 2, left: 2, background: '#808080' }).modulate({ brightness: 1.05 }).png().toBuffer(),
    );
    const one = decideVerification([c0], 'younes', office);
    const burst = decideVerification([c0, shifted, c0], 'younes', office);
    expect(burst.framesUsed).toBe(3);
    expect(burst.threshold).toBeCloseTo(one.threshold, 12);
    const photos = await Promise.all([photo('younes'), cameraFile(0), cameraFile(2)].map((p) => probe(p)));
    expect(decideVerification(photos, 'younes', office).threshold).toBeLessThan(one.threshold - 0.01);
  });

  it('answers step_up in the band above the threshold, and reject beyond it', async () => {
    const c0 = await probe(cameraFile(0));
    const distance = decideVerification([c0], 'younes', office).distance!;
    const borderline = decideVerification([c0], 'younes', office, { ...DEFAULT_DECISION_CONFIG, threshold: distance - 0.01 });
    expect(borderline).toMatchObject({ outcome: 'step_up', reason: 'borderline', identity: 'younes' });
    expect(borderline.stepUpThreshold).toBeGreaterThan(distance);
    const off = decideVerification([c0], 'younes', office, { ...DEFAULT_DECISION_CONFIG, threshold: distance - 0.01, stepUpFactor: 1 });
    expect(off).toMatchObject({ outcome: 'reject', reason: 'no_match' });
  });

  it('refuses as ambiguous when two enrolled people are too close to call, naming both', async () => {
    // kian's photo enrolled a second time under another name: an impostor enrolment.
    const withImpostor = new Map([...office, ['impostor', office.get('kian')!]]);
    const kian = await probe(await sharp(photo('kian')).flop().png().toBuffer());
    const identified = decideIdentification([kian], withImpostor);
    expect(identified.outcome).not.toBe('accept');
    expect(identified.reason).toBe('ambiguous');
    expect([identified.candidates[0]!.identity, identified.rival!.identity].sort()).toEqual(['impostor', 'kian']);
    const verified = decideVerification([kian], 'kian', withImpostor);
    expect(verified).toMatchObject({ reason: 'ambiguous' });
    expect(verified.rival!.identity).toBe('impostor');
    // Without the copy, the same photo is kian.
    expect(decideIdentification([kian], office)).toMatchObject({ outcome: 'accept', identity: 'kian' });
  });

  it("finds a duplicate enrolment: kian's photo offered for a new person is kian", async () => {
    const kian = await probe(photo('kian'));
    expect(findDuplicate(kian.encoding, office, null)).toMatchObject({ identity: 'kian' });
    expect(findDuplicate(kian.encoding, office, 'kian')).toBeNull();
    const younes = await probe(cameraFile(0));
    expect(findDuplicate(younes.encoding, office, 'younes')).toBeNull();
  });
});
