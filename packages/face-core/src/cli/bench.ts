import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { initTensorFlow, packageDir, type TensorFlowBackendName } from '../backend.ts';
import { createFaceEngine, faceRefusal, type FaceEngine, type StageTimings } from '../engine.ts';
import { facesDir } from '../faces-dir.ts';
import { whoIsIt, type Encoding } from '../matching/match.ts';
import { onnxThreads } from '../onnx/session.ts';
import { tensorFlow } from '../tensorflow.ts';
import { timeLiveness } from './liveness-bench.ts';

interface Summary {
  medianMs: number;
  p95Ms: number;
  stages: Record<string, number>;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
const round = (n: number) => Number(n.toFixed(2));

/** Times the full pipeline (decode, detect, align, encode, match) on one photo. */
async function timePipeline(engine: FaceEngine, photo: Uint8Array, database: Map<string, Encoding[]>, runs: number): Promise<Summary> {
  const totals: number[] = [];
  const stages: Record<keyof StageTimings | 'matchMs', number[]> = { decodeMs: [], detectMs: [], alignMs: [], encodeMs: [], matchMs: [] };
  const once = async () => {
    const start = performance.now();
    const analysis = await engine.analyze(photo, 'largest');
    const refusal = faceRefusal(analysis, 'largest');
    if (refusal) throw refusal;
    const matchStart = performance.now();
    whoIsIt(analysis.faces[0]!.encoding, database);
    const end = performance.now();
    return { timings: analysis.timings, matchMs: end - matchStart, total: end - start };
  };
  for (let i = 0; i < 5; i++) await once(); // warm-up: wasm tier-up, kernel caches
  for (let i = 0; i < runs; i++) {
    const { timings, matchMs, total } = await once();
    totals.push(total);
    for (const key of Object.keys(timings) as (keyof StageTimings)[]) stages[key].push(timings[key]);
    stages.matchMs.push(matchMs);
  }
  const sorted = [...totals].sort((a, b) => a - b);
  return {
    medianMs: round(percentile(sorted, 0.5)),
    p95Ms: round(percentile(sorted, 0.95)),
    stages: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k.replace(/Ms$/, 'MedianMs'), round(median(v))])),
  };
}

/** The same pipeline on TensorFlow.js (the fallback backend), in the same run. */
async function timeTensorFlow(
  photo: Uint8Array,
  database: Map<string, Encoding[]>,
  runs: number,
): Promise<Summary & { backend: TensorFlowBackendName }> {
  const backend = await initTensorFlow();
  // TensorFlow.js has no int8 encoder: the fallback is float32 whatever this run's encoder is.
  const engine = await createFaceEngine({ backend, encoder: { precision: 'float32' } });
  try {
    return { backend, ...(await timePipeline(engine, photo, database, runs)) };
  } finally {
    engine.dispose();
  }
}

/** @vladmandic/face-api's own pipeline (SSD MobileNet, 68 landmarks, descriptor), decode included. */
async function timeFaceApi(photo: Uint8Array, runs: number): Promise<{ medianMs: number; runs: number }> {
  await initTensorFlow();
  const tf = tensorFlow();
  const require = createRequire(import.meta.url);
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
  const modelDir = path.join(packageDir('@vladmandic/face-api'), 'model');
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
  const once = async () => {
    const start = performance.now();
    const { data, info } = await sharp(photo).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const tensor = tf.tensor3d(new Uint8Array(data), [info.height, info.width, 3], 'int32');
    const faces = await faceapi.detectAllFaces(tensor, new faceapi.SsdMobilenetv1Options()).withFaceLandmarks().withFaceDescriptors();
    tensor.dispose();
    if (faces.length === 0) throw new Error('face-api found no face in the benchmark photo');
    return performance.now() - start;
  };
  for (let i = 0; i < 2; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await once());
  faceapi.nets.ssdMobilenetv1.dispose();
  faceapi.nets.faceLandmark68Net.dispose();
  faceapi.nets.faceRecognitionNet.dispose();
  return { medianMs: round(median(times)), runs };
}

export async function runBench(options: { runs: number; photo?: string; small?: string }) {
  const photoFile = options.photo ?? path.join(packageDir('@vladmandic/face-api'), 'demo', 'sample2.jpg');
  const frame640 = new Uint8Array(await sharp(photoFile).rotate().resize(640, 480, { fit: 'cover' }).jpeg({ quality: 90 }).toBuffer());
  // Progress on stderr (stdout is the report): the whole run takes about 30 s.
  const step = (what: string) => process.stderr.write(`bench: ${what}\n`);
  step('loading the models');
  const engine = await createFaceEngine();
  const seedCamera = path.join(facesDir(), 'seed', 'camera_0.jpg');
  const smallFile = options.small ?? (existsSync(seedCamera) ? seedCamera : undefined);
  let frame96: Uint8Array;
  if (smallFile) {
    frame96 = new Uint8Array(await sharp(smallFile).resize(96, 96, { fit: 'cover' }).jpeg({ quality: 90 }).toBuffer());
  } else {
    // No 96x96 photo at hand: crop the 640x480 frame's face the way the exercise's photos are cropped.
    const face = await engine.encodeFace(frame640, { multiple: 'largest' });
    const side = Math.round(Math.max(face.box.width, face.box.height) * 1.3);
    const left = Math.max(0, Math.round(face.box.x + face.box.width / 2 - side / 2));
    const top = Math.max(0, Math.round(face.box.y + face.box.height / 2 - side / 2));
    frame96 = new Uint8Array(
      await sharp(frame640)
        .extract({ left, top, width: Math.min(side, 640 - left), height: Math.min(side, 480 - top) })
        .resize(96, 96)
        .jpeg()
        .toBuffer(),
    );
  }
  // A gallery the size of the exercise's office: 12 people, 3 samples each.
  const seedFace = (await engine.encodeFace(frame640, { multiple: 'largest' })).encoding;
  const database = new Map<string, Encoding[]>();
  for (let p = 0; p < 12; p++)
    database.set(
      `person-${p}`,
      [0, 1, 2].map((s) => seedFace.map((v, i) => v + Math.sin(p * 31 + s * 7 + i) * 0.05)),
    );

  step(`the 640x480 frame, ${options.runs} runs`);
  const result640 = await timePipeline(engine, frame640, database, options.runs);
  step(`the 96x96 frame, ${options.runs} runs`);
  const result96 = await timePipeline(engine, frame96, database, options.runs);
  step('the liveness check');
  const liveness = await timeLiveness(engine, frame640, options.runs);
  // Peak memory of this process with our models loaded, before the reference loads its own.
  const peakRssMb = round(process.resourceUsage().maxRSS / 1024);
  const backend = engine.backend;
  const model = engine.modelId;
  engine.dispose();
  // What ONNX Runtime buys over the TensorFlow.js fallback, on the same frame.
  if (backend === 'onnx') step('the same pipeline on TensorFlow.js, for comparison');
  const tensorFlow = backend === 'onnx' ? await timeTensorFlow(frame640, database, Math.min(options.runs, 20)) : undefined;
  step("face-api's own pipeline, the reference");
  const faceApi = await timeFaceApi(frame640, Math.min(options.runs, 20));
  const speedupVsFaceApi = round(faceApi.medianMs / result640.medianMs);
  // The frame has one face, encoded twice (itself and its mirror image) in one batch.
  const encodeMsPerFace = result640.stages.encodeMedianMs!;
  return {
    backend,
    // Intra-op threads per network (FACEGATE_ONNX_THREADS; 2 for an engine alone, the API's workers use 1).
    ...(backend === 'onnx' ? { onnxThreads: onnxThreads() } : {}),
    // The encoder (FACEGATE_ENCODER_PRECISION: float32, or int8 in the id)
    model,
    photo: photoFile,
    frame640: result640,
    frame96: result96,
    livenessPerFace640: liveness,
    ...(tensorFlow ? { tensorFlowFrame640: tensorFlow, speedupVsTensorFlow: round(tensorFlow.medianMs / result640.medianMs) } : {}),
    faceApiFrame640: faceApi,
    speedupVsFaceApi,
    peakRssMb,
    // Issue 14's targets for this machine, and whether this run met them.
    targets: {
      frame640MedianMs: { target: 30, value: result640.medianMs, met: result640.medianMs <= 30 },
      speedupVsFaceApi: { target: 15, value: speedupVsFaceApi, met: speedupVsFaceApi >= 15 },
      encodeMsPerFace: { target: 8, value: encodeMsPerFace, met: encodeMsPerFace <= 8 },
      peakRssMb: { target: 350, value: peakRssMb, met: peakRssMb <= 350 },
    },
  };
}
