import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTensorFlow, packageDir } from './backend.ts';
import { createFaceEngine, faceRefusal, type EncodedFace, type FaceEngine } from './engine.ts';
import { InvalidImageError, MultipleFacesError, NoFaceError } from './errors.ts';
import { DEFAULT_THRESHOLD } from './matching/constants.ts';
import { whoIsIt } from './matching/match.ts';
import { l2Distance } from './ops/l2.ts';

// Real photos that ship inside @vladmandic/face-api, so these tests run on a fresh clone.
const sample = (n: number) => path.join(packageDir('@vladmandic/face-api'), 'demo', `sample${n}.jpg`);

describe('face engine on real photos', () => {
  let engine: FaceEngine;
  let group: EncodedFace[];

  beforeAll(async () => {
    engine = await createFaceEngine();
    group = await engine.findFaces(sample(6));
  });
  afterAll(() => engine?.dispose());

  it('reports its backend and model', () => {
    expect(['onnx', 'wasm', 'tensorflow', 'cpu']).toContain(engine.backend);
    expect(engine.modelId).toMatch(/dlib/);
  });

  it('finds the four people of a group photo, largest first, with 68 landmarks inside each box', () => {
    expect(group).toHaveLength(4);
    const areas = group.map((f) => f.box.width * f.box.height);
    expect(areas).toEqual([...areas].sort((a, b) => b - a));
    for (const face of group) {
      expect(face.landmarks).toHaveLength(68);
      const inside = face.landmarks.filter(
        ([x, y]) =>
          x >= face.box.x - 0.2 * face.box.width &&
          x <= face.box.x + 1.2 * face.box.width &&
          y >= face.box.y - 0.2 * face.box.height &&
          y <= face.box.y + 1.3 * face.box.height,
      );
      expect(inside.length).toBeGreaterThan(60);
      expect([face.chip.width, face.chip.height]).toEqual([150, 150]);
    }
  });

  it('encodes each face as 128 numbers of unit length', () => {
    for (const { encoding } of group) {
      expect(encoding).toHaveLength(128);
      expect(Math.hypot(...encoding)).toBeCloseTo(1, 5);
    }
  });

  it('recognises each person again in a smaller, rotated, recompressed copy of the photo', async () => {
    const copy = await sharp(sample(6)).resize(1100).rotate(8, { background: '#777' }).jpeg({ quality: 60 }).toBuffer();
    const again = await engine.findFaces(copy);
    expect(again.length).toBeGreaterThanOrEqual(4);
    const database = Object.fromEntries(group.map((f, i) => [`person-${i}`, f.encoding]));
    const named = again.map((f) => whoIsIt(f.encoding, database)).filter((n) => n.identity !== null);
    // Each of the four is found once, and is nearer to themself than to anyone else.
    expect(named.map((n) => n.identity).sort()).toEqual(Object.keys(database));
    for (const { distance } of named) expect(distance).toBeLessThan(DEFAULT_THRESHOLD);
  });

  it('requires exactly one face unless told to take the largest', async () => {
    await expect(engine.encodeFace(sample(6))).rejects.toThrow(MultipleFacesError);
    const largest = await engine.encodeFace(sample(6), { multiple: 'largest' });
    expect(l2Distance(largest.encoding, group[0]!.encoding)).toBeLessThan(0.05);
  });

  it('raises NoFaceError on a photo without a face', async () => {
    const wall = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#8a7f70' } })
      .jpeg()
      .toBuffer();
    await expect(engine.encodeFace(wall)).rejects.toThrow(NoFaceError);
    expect(await engine.findFaces(wall)).toEqual([]);
  });

  it('answers what the detector saw and the time of each stage with the faces, also for a photo refused for its faces', async () => {
    const all = await engine.analyze(sample(6), 'all');
    expect(all.faces.map((f) => f.box)).toEqual(group.map((f) => f.box));
    expect(all.seen.detections.map((d) => d.box)).toEqual(group.map((f) => f.box));
    expect(all.seen.width).toBeGreaterThan(0);
    expect(all.seen.height).toBeGreaterThan(0);
    expect(all.timings.detectMs).toBeGreaterThan(0);
    expect(all.timings.encodeMs).toBeGreaterThan(0);
    expect(faceRefusal(all, 'all')).toBeNull();
    // Several faces where one is wanted: seen, none encoded, refused as MultipleFacesError.
    const one = await engine.analyze(sample(6), 'one');
    expect(one.faces).toEqual([]);
    expect(one.seen.detections.length).toBeGreaterThan(1);
    expect(faceRefusal(one, 'one')).toBeInstanceOf(MultipleFacesError);
    const largest = await engine.analyze(sample(6), 'largest');
    expect(largest.faces).toHaveLength(1);
    expect(largest.faces[0]!.box).toEqual(largest.seen.detections[0]!.box);
    const wall = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#8a7f70' } })
      .jpeg()
      .toBuffer();
    const empty = await engine.analyze(wall, 'largest');
    expect(empty).toMatchObject({ faces: [], seen: { width: 640, height: 480, detections: [] } });
    expect(faceRefusal(empty, 'largest')).toBeInstanceOf(NoFaceError);
  });

  it('raises InvalidImageError on bytes that are not a photo', async () => {
    await expect(engine.encodeFace(new TextEncoder().encode('GIF89a nonsense'))).rejects.toThrow(InvalidImageError);
  });

  it('leaves no tensor behind, on success and on failure', async () => {
    const wall = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#444' } })
      .png()
      .toBuffer();
    await engine.findFaces(sample(3)); // warm: kernels may cache tensors on first use
    await initTensorFlow(); // on ONNX Runtime, TensorFlow.js must simply hold nothing
    const before = tf.memory().numTensors;
    await engine.findFaces(sample(3));
    await engine.encodeFace(sample(3), { multiple: 'largest' });
    await expect(engine.encodeFace(wall)).rejects.toThrow(NoFaceError);
    await expect(engine.encodeFace(sample(3))).rejects.toThrow(MultipleFacesError);
    expect(tf.memory().numTensors).toBe(before);
  });
});
