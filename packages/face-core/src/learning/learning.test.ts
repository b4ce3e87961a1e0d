import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTensorFlow } from '../backend.ts';
import { listGallery } from '../cli/gallery.ts';
import type { FaceEngine } from '../engine.ts';
import { facesDir, hasFaces } from '../faces-dir.ts';
import { tensorFlow } from '../tensorflow.ts';
import { fromArtefact, headArtefact, identityWeights, load as loadHead, withHead, type HeadArtefact } from './head.ts';
import { galleryForModel } from './model-version.ts';
import { applyHead, heldOutLoss, heldOutRows } from './train.ts';
import { mineTriplets, squaredDistances } from './triplet.ts';
import { load as loadViews, readLabelledViews, type FaceViews } from './views.ts';

const bin = fileURLToPath(new URL('../../bin/facegate.js', import.meta.url));
const run = promisify(execFile);

describe('online triplet mining', () => {
  // 1-D points: anchor 0 (label 0) at 0, positive 1 (label 0) at 1, negatives at 0.5, 1.5 and 3.
  const x = [0, 1, 0.5, 1.5, 3];
  const labels = [0, 0, 1, 2, 3];
  const photo = [0, 1, 2, 3, 4];
  const d = squaredDistances(x, 5, 1);
  it('semi-hard takes the nearest negative farther than the positive', () => {
    expect(mineTriplets(d, labels, photo, 'semi-hard')).toEqual([
      [0, 1, 3],
      [1, 0, 4],
    ]);
  });
  it('hard takes the nearest negative', () => {
    expect(mineTriplets(d, labels, photo, 'hard')).toEqual([
      [0, 1, 2],
      [1, 0, 2],
    ]);
  });
  it('falls back to the farthest negative when none is farther than the positive, and never pairs views of one photo', () => {
    const far = squaredDistances([0, 10, 1, 2], 4, 1);
    expect(mineTriplets(far, [0, 0, 1, 1], [0, 1, 2, 2], 'semi-hard')).toEqual([
      [0, 1, 3],
      [1, 0, 2],
    ]);
  });
});

describe('head artefact', () => {
  it('the identity head returns the encoding; an edited file is refused; another encoder is refused', () => {
    const { weights, bias } = identityWeights(4);
    const artefact = headArtefact('enc-a', weights, bias);
    const head = fromArtefact(artefact);
    expect(head.modelId).toBe(`enc-a+head-${artefact.id}`);
    head.apply([0.6, 0, 0.8, 0]).forEach((v, i) => expect(v).toBeCloseTo([0.6, 0, 0.8, 0][i]!, 12));
    const edited: HeadArtefact = { ...artefact, weights: artefact.weights.map((w, i) => (i === 1 ? 0.5 : w)) };
    expect(() => fromArtefact(edited)).toThrow(/do not hash/);
    const other = { modelId: 'enc-b' } as FaceEngine;
    expect(() => withHead(other, head)).toThrow(/trained on enc-a/);
  });
});

const lfw = hasFaces('lfw-view1');

describe.skipIf(!lfw)('facegate train on a small real folder (LFW View 1)', () => {
  let work: string;
  let test: Map<string, FaceViews[]>;
  let headFile: string;
  let summary: { heldOutLossBefore: number; heldOutLossAfter: number; trainIdentities: number };

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'facegate-train-'));
    // 30 identities with 4 or more photos, 4 photos each: 20 to train on (the command holds some out for
    // early stopping), 10 never shown to it.
    const people = [...(await listGallery(path.join(facesDir(), 'lfw-view1')))].filter(([, p]) => p.length >= 4).slice(0, 30);
    for (const [i, [name, photos]] of people.entries()) {
      const dir = path.join(work, i < 20 ? 'train' : 'test', name);
      await mkdir(dir, { recursive: true });
      for (const photo of photos.slice(0, 4)) await symlink(photo, path.join(dir, path.basename(photo)));
    }
    headFile = path.join(work, 'head.json');
    const env = { ...process.env, FACEGATE_CACHE_DIR: path.join(work, 'cache') };
    const { stdout } = await run(
      process.execPath,
      [bin, 'train', '--dir', path.join(work, 'train'), '--out', headFile, '--epochs', '40', '--select', 'triplet-loss', '--json'],
      { env, maxBuffer: 1 << 24 },
    );
    expect(stdout.trim().split('\n')).toHaveLength(1);
    summary = JSON.parse(stdout);
    const views = await loadViews({ cacheDir: path.join(work, 'cache', 'encodings') });
    try {
      test = (await readLabelledViews(views, path.join(work, 'test'))).people;
      // the training folder again: every photo from the cache, no network run
      await readLabelledViews(views, path.join(work, 'train'));
      expect(views.computed).toBe(40);
    } finally {
      views.dispose();
    }
  }, 300_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('lowers the triplet loss on triplets of identities it never saw', async () => {
    expect(summary.trainIdentities).toBe(16);
    expect(summary.heldOutLossAfter).toBeLessThan(summary.heldOutLossBefore);
    const head = await loadHead({ file: headFile });
    const rows = heldOutRows(test, [...test.keys()]);
    const identity = identityWeights(128);
    const before = heldOutLoss(rows, identity.weights, identity.bias, 0.2);
    const after = heldOutLoss(rows, head.artefact.weights, head.artefact.bias, 0.2);
    expect(before.triplets).toBeGreaterThan(1000);
    expect(after.all).toBeLessThan(before.all);
  });

  it('a saved head loads and gives the same encodings as the weights it was trained to', async () => {
    const artefact = JSON.parse(await readFile(headFile, 'utf8')) as HeadArtefact;
    const head = await loadHead({ file: headFile });
    expect(head.id).toBe(artefact.id);
    const x = [...test.values()].flat().map((f) => f.encoding);
    const reference = applyHead(x, artefact.weights, artefact.bias);
    x.forEach((v, i) => expect(head.apply(v)).toEqual(reference[i]));
    // ... and as TensorFlow.js computes the head during training (float32)
    await initTensorFlow();
    const tf = tensorFlow();
    const y = tf.tidy(() => {
      const out = tf.add(
        tf.matMul(tf.tensor2d(x), tf.tensor2d([...artefact.weights], [128, 128]), false, true),
        tf.tensor1d([...artefact.bias]),
      );
      return tf.div(out, tf.norm(out, 'euclidean', -1, true)).arraySync() as number[][];
    });
    x.forEach((v, i) => head.apply(v).forEach((value, k) => expect(Math.abs(value - y[i]![k]!)).toBeLessThan(1e-5)));
    // the head changed something: not the identity map
    expect(Math.max(...x.map((v) => Math.max(...head.apply(v).map((value, k) => Math.abs(value - v[k]!)))))).toBeGreaterThan(1e-3);
  });
});

describe('model versions', () => {
  const { weights, bias } = identityWeights(2);
  const head = fromArtefact(
    headArtefact(
      'enc-a',
      weights.map((w, i) => (i === 1 ? 1 : w)),
      bias,
    ),
  );
  it('brings encoder encodings to the head, keeps its own, and never passes another model through', () => {
    const samples = [
      { id: 1, model: 'enc-a', encoding: [1, 0] },
      { id: 2, model: head.modelId, encoding: [0, 1] },
      { id: 3, model: 'enc-b', encoding: [1, 0] },
      { id: 4, model: 'enc-a+head-other', encoding: [1, 0] },
    ];
    const g = galleryForModel(samples, 'enc-a', head);
    expect(g.model).toBe(head.modelId);
    expect(g.ready.map((r) => r.sample.id)).toEqual([1, 2]);
    expect(g.ready[0]!.encoding).toEqual(head.apply([1, 0]));
    expect(g.ready[1]!.encoding).toEqual([0, 1]);
    expect(g.needPhoto.map((s) => s.id)).toEqual([3, 4]);
    // without a head only the encoder's own encodings are usable
    const plain = galleryForModel(samples, 'enc-a', null);
    expect(plain.ready.map((r) => r.sample.id)).toEqual([1]);
    expect(() => galleryForModel(samples, 'enc-b', head)).toThrow(/is for enc-a/);
  });
});
