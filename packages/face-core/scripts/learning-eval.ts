// Measures the triplet-loss head (facegate train) against the frozen encoder alone, always on identities
// the head never saw in training:
//   - LFW View 1 DevTest accuracy (threshold chosen on DevTrain), AUC, EER, TAR at FAR 1e-3;
//   - open-set FNIR at FPIR 1 % on celeba-dev (70 enrolled, 3 samples each; one frame and three);
//   - the same under the simulated site camera (learning/constants.ts SITE_CAMERA) for a head trained on
//     degraded copies of other identities.
// Heads: trained on LFW View 1 identities outside DevTest, on celeba-dev (then tested on LFW only), and on
// site-camera copies of the LFW training identities. Encodings come from the on-disk cache
// (scripts/learning-cache.ts fills it; missing photos are encoded here). Writes the heads to
// $LEARNING_OUT (default /tmp/facegate-heads). Prints figures; takes a few minutes once cached.
//   npx tsx packages/face-core/scripts/learning-eval.ts
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { listGallery } from '../src/cli/gallery.ts';
import type { EncodedFace, FaceEngine } from '../src/engine.ts';
import { NoFaceError } from '../src/errors.ts';
import { DEFAULT_DECISION_CONFIG, type QualityGates } from '../src/decision/constants.ts';
import { encodeOpenSet, scoreOpenSet } from '../src/evaluation/open-set.ts';
import { evaluateLfw } from '../src/evaluation/lfw.ts';
import { parsePairList, type PairList } from '../src/evaluation/pairs.ts';
import { facesDir } from '../src/faces-dir.ts';
import { CAMERA_CONDITIONS, type CameraCondition, type TrainingConfig } from '../src/learning/constants.ts';
import { fromArtefact, headArtefact, saveHead, type EncodingHead } from '../src/learning/head.ts';
import { trainHead } from '../src/learning/train.ts';
import { load, readLabelledViews, type ViewEncoder } from '../src/learning/views.ts';

const faces = facesDir();
const lfwDir = path.join(faces, 'lfw-view1');
const celebaDir = path.join(faces, 'celeba-dev');
const outDir = process.env.LEARNING_OUT ?? '/tmp/facegate-heads';
await mkdir(outDir, { recursive: true });
const encoder = await load();

/**
 * The cached encodings as an engine for evaluateLfw and encodeOpenSet (which read only `encoding` and
 * `quality`; the cache holds the largest face of each photo, as encodeFace with multiple: 'largest').
 */
function cachedEngine(views: ViewEncoder, condition: CameraCondition | undefined, head: EncodingHead | null): FaceEngine {
  const face = async (file: string): Promise<EncodedFace> => {
    const v = await views.encode(String(file), condition);
    if (!v) throw new NoFaceError();
    return { encoding: head ? head.apply(v.encoding) : v.encoding, quality: v.quality } as unknown as EncodedFace;
  };
  return {
    backend: 'onnx',
    modelId: head?.modelId ?? views.modelId,
    // The cache holds encodings, not detections or timings.
    analyze: () => Promise.reject(new Error('cached encodings answer findFaces and encodeFace only')),
    findFaces: async (source) =>
      await face(String(source))
        .then((f) => [f])
        .catch((e: unknown) => (e instanceof NoFaceError ? [] : Promise.reject(e))),
    encodeFace: async (source) => face(String(source)),
    dispose() {},
  };
}

const pairList = async (name: string): Promise<PairList> => parsePairList(await readFile(path.join(lfwDir, name), 'utf8'), lfwDir);
const devTrain = await pairList('pairsDevTrain.txt');
const devTest = await pairList('pairsDevTest.txt');
const testIdentities = new Set(
  devTest.folds
    .flat()
    .flatMap((p) => [p.a, p.b])
    .map((f) => path.basename(path.dirname(f))),
);
const lfwGallery = await listGallery(lfwDir);
const lfwTrainGallery = new Map([...lfwGallery].filter(([name]) => !testIdentities.has(name)));
const celebaGallery = await listGallery(celebaDir);

const NO_GATES: QualityGates = {
  minEyeDistancePx: 0,
  minSharpness: 0,
  maxYawDeg: 180,
  maxPitchDeg: 180,
  minBrightness: 0,
  maxBrightness: 256,
};
const pct = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : `${(100 * v).toFixed(1)} %`);

async function lfwFigures(condition: CameraCondition | undefined, head: EncodingHead | null) {
  const engine = cachedEngine(encoder, condition, head);
  const train = await evaluateLfw(engine, devTrain);
  const test = await evaluateLfw(engine, devTest, { threshold: train.bestThreshold });
  return {
    accuracy: test.accuracy,
    threshold: test.threshold,
    bestAccuracy: test.bestAccuracy,
    auc: test.auc,
    eer: test.eer,
    tarAtFar1e3: test.tarAtFar1e3,
    noFace: test.noFace,
  };
}

async function openSetFigures(condition: CameraCondition | undefined, head: EncodingHead | null) {
  const data = await encodeOpenSet(cachedEngine(encoder, condition, head), celebaGallery, { enrolled: 70, samples: 3 });
  const [one, three] = [1, 3].map((frames) => scoreOpenSet(data, { frames }));
  // the encoder's part alone: no quality gate refuses a probe (they refuse most site-camera probes)
  const ungated = scoreOpenSet(data, { frames: 1, config: { ...DEFAULT_DECISION_CONFIG, gates: NO_GATES } });
  const gated = Object.values(one!.qualityRefused.mated).reduce((n, c) => n + c, 0);
  return {
    gatedMated: gated / one!.matedAttempts,
    fnirAtFpir1Ungated: ungated.fnirAtFpir['0.01'],
    fnirAtFpir1: one!.fnirAtFpir['0.01'],
    fnirAtFpir01: one!.fnirAtFpir['0.001'],
    fnirAtFpir1ThreeFrames: three!.fnirAtFpir['0.01'],
    fnirAtDefaults: one!.fnir,
    fpirAtDefaults: one!.fpir,
    mated: one!.matedAttempts,
    strangers: one!.strangerAttempts,
  };
}

async function train(
  name: string,
  gallery: ReadonlyMap<string, readonly string[]>,
  condition: CameraCondition | undefined,
  source: string,
): Promise<EncodingHead> {
  const { people, photos, noFace } = await readLabelledViews(encoder, gallery, condition);
  const started = performance.now();
  const curve: string[] = [];
  // LEARNING_CONFIG='{"learningRate":1e-4}' overrides the defaults (learning/constants.ts)
  const config = JSON.parse(process.env.LEARNING_CONFIG ?? '{}') as Partial<TrainingConfig>;
  const result = await trainHead(people, config, (s) =>
    curve.push(`${s.epoch}:${s.trainLoss.toFixed(4)}/${s.heldOutLoss.toFixed(4)}/${(100 * s.heldOutFnmr).toFixed(1)}%`),
  );
  const seconds = (performance.now() - started) / 1000;
  const artefact = headArtefact(
    encoder.modelId,
    result.weights,
    result.bias,
    {
      source,
      condition: condition ?? null,
      config,
      photos,
      noFace,
      trainIdentities: result.trainIdentities,
      heldOutIdentities: result.heldOutIdentities,
    },
    {
      heldOutLossBefore: result.heldOutLossBefore,
      heldOutLossAfter: result.heldOutLossAfter,
      bestEpoch: result.bestEpoch,
      curve: result.curve,
    },
  );
  const file = path.join(outDir, `${name}.json`);
  await saveHead(file, artefact);
  console.log(
    `head ${name} (${artefact.id}): ${result.trainIdentities.length} training identities (${result.trainPhotos} photos), ${result.heldOutIdentities.length} held out; ` +
      `held-out triplet loss ${result.heldOutLossBefore.all.toFixed(5)} -> ${result.heldOutLossAfter.all.toFixed(5)} (hardest negatives ${result.heldOutLossBefore.hardest.toFixed(4)} -> ${result.heldOutLossAfter.hardest.toFixed(4)}; FNMR@FMR1e-3 ${(100 * result.heldOutLossBefore.fnmrAtFmr1e3).toFixed(1)} % -> ${(100 * result.heldOutLossAfter.fnmrAtFmr1e3).toFixed(1)} %), kept epoch ${result.bestEpoch} of ${result.curve.length}, ${seconds.toFixed(0)} s -> ${file}`,
  );
  console.log(`  curve (epoch:train loss/held-out loss/held-out FNMR): ${curve.join(' ')}`);
  return fromArtefact(artefact);
}

// LEARNING_PART=clean or site runs half (e.g. while the other half's photos are still being cached).
const part = process.env.LEARNING_PART ?? 'all';
// LEARNING_CONDITION=site (default) or site-mild: the simulated camera of the site rows
const SITE_CAMERA = CAMERA_CONDITIONS[process.env.LEARNING_CONDITION ?? 'site']!;
const rows: { what: string; lfw?: Awaited<ReturnType<typeof lfwFigures>>; openSet?: Awaited<ReturnType<typeof openSetFigures>> }[] = [];
const lfwHead = await train('lfw-train', lfwTrainGallery, undefined, 'lfw-view1 minus DevTest identities');
if (part !== 'site') {
  const celebaHead = await train('celeba-dev', celebaGallery, undefined, 'celeba-dev');
  rows.push({ what: 'clean: encoder alone', lfw: await lfwFigures(undefined, null), openSet: await openSetFigures(undefined, null) });
  rows.push({
    what: 'clean: head trained on LFW train identities',
    lfw: await lfwFigures(undefined, lfwHead),
    openSet: await openSetFigures(undefined, lfwHead),
  });
  rows.push({ what: 'clean: head trained on celeba-dev (tested on LFW only)', lfw: await lfwFigures(undefined, celebaHead) });
}
if (part !== 'clean') {
  const siteHead = await train('lfw-train-site', lfwTrainGallery, SITE_CAMERA, 'lfw-view1 minus DevTest identities, site camera');
  rows.push({
    what: 'site camera: encoder alone',
    lfw: await lfwFigures(SITE_CAMERA, null),
    openSet: await openSetFigures(SITE_CAMERA, null),
  });
  rows.push({
    what: 'site camera: head trained on site copies of LFW train identities',
    lfw: await lfwFigures(SITE_CAMERA, siteHead),
    openSet: await openSetFigures(SITE_CAMERA, siteHead),
  });
  rows.push({
    what: 'site camera: head trained on clean LFW train identities',
    lfw: await lfwFigures(SITE_CAMERA, lfwHead),
    openSet: await openSetFigures(SITE_CAMERA, lfwHead),
  });
}
encoder.dispose();

console.log(
  '\n| what | LFW DevTest acc. (DevTrain thr.) | best | AUC | EER | TAR@FAR1e-3 | celeba-dev FNIR@FPIR1% (1 frame) | (3 frames) | FNIR@FPIR0.1% | mated probes gated | FNIR@FPIR1% without gates |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  const l = r.lfw;
  const o = r.openSet;
  console.log(
    `| ${r.what} | ${l ? `${pct(l.accuracy)} (${l.threshold.toFixed(3)})` : ''} | ${l ? pct(l.bestAccuracy) : ''} | ${l ? l.auc.toFixed(4) : ''} | ${l ? pct(l.eer) : ''} | ${l ? pct(l.tarAtFar1e3) : ''} | ${o ? pct(o.fnirAtFpir1) : 'not measured (trained on it)'} | ${o ? pct(o.fnirAtFpir1ThreeFrames) : ''} | ${o ? pct(o.fnirAtFpir01) : ''} | ${o ? pct(o.gatedMated) : ''} | ${o ? pct(o.fnirAtFpir1Ungated) : ''} |`,
  );
}
console.log(`\n${JSON.stringify(rows)}`);
console.log(`photos encoded in this run (not cached before): ${encoder.computed}`);
