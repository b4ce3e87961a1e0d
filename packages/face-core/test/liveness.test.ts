import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaceEngine, decodeImage, facesDir, hasFaces, loadLiveness, readPadDir, type FaceEngine, type LivenessChecker, type PadSample } from '../src/index.ts';
import { DEFAULT_FEATURE_SPEC, DEFAULT_TRAINING_CONFIG } from '../src/liveness/constants.ts';
import { extractPadFeatures, livenessReport, scoreWithArtefact, trainingExamples, type PadFace } from '../src/liveness/evaluate.ts';
import { toArtefact, trainLiveness } from '../src/liveness/train.ts';

const padDev = path.join(facesDir(), 'pad-dev');
const bin = fileURLToPath(new URL('../bin/facegate.js', import.meta.url));
const run = promisify(execFile);

/** NUAA's 20 frames per class are near-duplicates: every 4th keeps the test short and loses little. */
const sampled = (samples: readonly PadSample[]) => samples.filter((s) => !s.subject?.startsWith('nuaa') || Number(/_(\d+)\./.exec(s.file)?.[1]) % 4 === 1);

describe.skipIf(!hasFaces('pad-dev'))(`liveness on pad-dev's real live and attack photos (needs ${padDev}; skipped when absent)`, () => {
  let engine: FaceEngine;
  let checker: LivenessChecker;
  let faces: PadFace[];
  beforeAll(async () => {
    engine = await createFaceEngine();
    checker = await loadLiveness();
    faces = await extractPadFeatures(engine, sampled(await readPadDir(padDev)), DEFAULT_FEATURE_SPEC);
  }, 300_000);
  afterAll(() => engine?.dispose());

  it('on subjects held out of training: attacks score low, live faces high (fails if the features or training regress)', () => {
    // Every third subject is held out; the model, its penalty and thresholds are chosen on the others only.
    const subjects = [...new Set(faces.map((f) => f.subject!))].sort();
    const heldOut = new Set(subjects.filter((_, i) => i % 3 === 0));
    const train = faces.filter((f) => !heldOut.has(f.subject!));
    const test = faces.filter((f) => heldOut.has(f.subject!));
    expect(new Set(test.map((f) => f.source)).size).toBe(2);
    const examples = trainingExamples(train);
    const trained = trainLiveness(examples, DEFAULT_TRAINING_CONFIG);
    const report = livenessReport(scoreWithArtefact(test, toArtefact(trained, DEFAULT_FEATURE_SPEC, examples, DEFAULT_TRAINING_CONFIG)));
    // Measured when written (6 held-out subjects: 4 MSU, 2 NUAA; NUAA every 4th frame): AUC 0.990,
    // BPCER 7.1 % at APCER 5 %; at the fold's own balanced threshold APCER 0 % but BPCER 57 %: a threshold
    // set on 12 subjects does not transfer well (the full 18-subject cross-validation: APCER 6.4 %,
    // BPCER 10.6 %). The ranking is asserted with a margin, the threshold only on the attack side.
    expect(report.noFace).toEqual({ live: 0, attacks: 0 });
    expect(report.auc).toBeGreaterThan(0.95);
    expect(report.bpcerAtApcer5).toBeLessThanOrEqual(0.25);
    expect(report.apcer).toBeLessThanOrEqual(0.1);
  });

  it('the committed weights still score their own training photos as they did (features and weights in step)', async () => {
    // These photos trained the committed weights, so this is no accuracy figure: it fails when the
    // feature code changes without retraining (facegate train-liveness), or the artefact is damaged.
    const scores: { live: boolean; score: number }[] = [];
    for (const sample of sampled(await readPadDir(padDev)).filter((_, i) => i % 2 === 0)) {
      const image = await decodeImage(sample.path);
      const face = await engine.encodeFace(image, { multiple: 'largest' });
      const result = checker.check(image, face);
      expect(result.score).toBeGreaterThanOrEqual(0);
      expect(result.score).toBeLessThanOrEqual(1);
      expect(result.live).toBe(result.score >= result.threshold);
      scores.push({ live: sample.live, score: result.score });
    }
    const live = scores.filter((s) => s.live).map((s) => s.score);
    const attacks = scores.filter((s) => !s.live).map((s) => s.score);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    expect(mean(live)).toBeGreaterThan(0.8);
    expect(mean(attacks)).toBeLessThan(0.2);
    expect(attacks.filter((s) => s >= checker.threshold).length / attacks.length).toBeLessThanOrEqual(0.05);
  }, 300_000);
});

describe.skipIf(!hasFaces('pad-dev'))(`facegate eval liveness --json (needs ${padDev}; skipped when absent)`, () => {
  let dir: string;
  beforeAll(async () => {
    // A small set: 5 subjects (2 NUAA with 2 frames per class, 3 MSU), and a blank photo in each folder.
    dir = await mkdtemp(path.join(tmpdir(), 'facegate-pad-'));
    await mkdir(path.join(dir, 'live'));
    await mkdir(path.join(dir, 'spoof'));
    const keep = (await readPadDir(padDev)).filter((s) => ['nuaa0001', 'nuaa0003', 'msu001', 'msu002', 'msu003'].includes(s.subject!) && !(s.subject!.startsWith('nuaa') && !/_0[12]\./.test(s.file)));
    const rows = ['file,label,subject,source,attack'];
    for (const s of keep) {
      await symlink(s.path, path.join(dir, s.file));
      rows.push(`${s.file},${s.live ? 'live' : 'spoof'},${s.subject},${s.source},${s.attack}`);
    }
    const blank = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#777' } }).jpeg().toBuffer();
    await writeFile(path.join(dir, 'live', 'blank_01.jpg'), blank);
    await writeFile(path.join(dir, 'spoof', 'blank_01.jpg'), blank);
    rows.push('live/blank_01.jpg,live,msu001,MSU-MFSD,none', 'spoof/blank_01.jpg,spoof,msu001,MSU-MFSD,print');
    await writeFile(path.join(dir, 'labels.csv'), `${rows.join('\n')}\n`);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('prints one JSON object: APCER/BPCER pooled, per source and per attack type, photos without a face apart', async () => {
    const { stdout } = await run(process.execPath, [bin, 'eval', 'liveness', '--dir', dir, '--json'], { maxBuffer: 1 << 24 });
    expect(stdout.trim().split('\n')).toHaveLength(1);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ protocol: 'leave-one-subject-out', folds: 5, live: 8, attacks: 14, noFace: { live: 1, attacks: 1 } });
    for (const key of ['apcer', 'bpcer', 'bpcerAtApcer5', 'bpcerAtApcer1', 'apcerAtBpcer5', 'auc', 'eer']) {
      expect(result[key], key).toBeGreaterThanOrEqual(0);
      expect(result[key], key).toBeLessThanOrEqual(1);
    }
    // The live photo without a face is refused at every threshold: BPCER never drops below 1/8.
    expect(result.bpcer).toBeGreaterThanOrEqual(1 / 8 - 1e-4);
    expect(result.bpcerAtApcer5).toBeGreaterThanOrEqual(1 / 8 - 1e-4);
    expect(Object.keys(result.bySource).sort()).toEqual(['MSU-MFSD', 'NUAA-Detectedface']);
    expect(result.bySource['MSU-MFSD']).toMatchObject({ live: 4, attacks: 10, noFace: { live: 1, attacks: 1 } });
    expect(Object.keys(result.byAttack).sort()).toEqual(['print', 'replay-ipad', 'replay-iphone']);
    expect(result.byAttack.print).toMatchObject({ attacks: 8, noFace: 1 });
    expect(result.strict.apcer).toBeLessThanOrEqual(result.apcer);
    // Bursts of 2 consecutive frames: NUAA's two subjects' two frames per class, and msu001's photo with
    // the faceless one beside it (a frame with no face is left out, as the API leaves it out).
    expect(result.bursts).toEqual([expect.objectContaining({ frames: 2, live: 3, attacks: 3 })]);
  }, 300_000);

  it('--protocol model with the committed weights says how many photos were in its training set', async () => {
    const { stdout, stderr } = await run(process.execPath, [bin, 'eval', 'liveness', '--dir', dir, '--protocol', 'model', '--json'], { maxBuffer: 1 << 24 });
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ protocol: 'model', photosInTrainingSet: 20 });
    expect(stderr).toMatch(/were used to train these weights/);
  }, 300_000);
});
