import type { RgbImage } from './image/rgb-image.ts';
import type { Point } from './ops/similarity-transform.ts';

export interface FaceQuality {
  /** Distance between the eye centres in photo pixels: how much detail the photo holds of the face. */
  readonly eyeDistancePx: number;
  /** Variance of the Laplacian of the aligned chip's luminance; low values mean blur. */
  readonly sharpness: number;
  /** Mean luminance of the aligned chip, 0..255. */
  readonly brightness: number;
  /** Head turn left/right in degrees (0 = frontal; the sign follows the photo's x axis), estimated from the landmarks. */
  readonly yawDeg: number;
  /** Head tilt up/down in degrees (0 = frontal, positive = chin down), estimated from the landmarks. */
  readonly pitchDeg: number;
}

/** Distance between the eye centres (landmarks 36-41 and 42-47). */
export function eyeDistance(landmarks68: readonly Point[]): number {
  const [rx, ry] = meanPoint(landmarks68, 36, 42);
  const [lx, ly] = meanPoint(landmarks68, 42, 48);
  return Math.hypot(lx - rx, ly - ry);
}

/** The mean of landmarks [from, to): an eye's centre is meanPoint(landmarks68, 36, 42). */
export function meanPoint(points: readonly Point[], from: number, to: number): Point {
  let x = 0;
  let y = 0;
  for (let i = from; i < to; i++) {
    x += points[i]![0];
    y += points[i]![1];
  }
  return [x / (to - from), y / (to - from)];
}

/**
 * Yaw and pitch from the 68 landmarks by a simple head model, in the face's own axes (roll removed):
 * turning the head by yaw moves the nose tip (30) towards one jaw end (0 or 16), by the nose's depth,
 * about 0.55 of the half-width between the jaw ends; tilting moves the nose tip along the line from the
 * eyes to the chin (8), where it sits at 0.32 of the way on a frontal face (the median over LFW View 1).
 * Rough figures (a few degrees), meant for gates that refuse clearly turned faces, not for measurement.
 */
export function estimatePose(landmarks68: readonly Point[]): { yawDeg: number; pitchDeg: number } {
  const rightEye = meanPoint(landmarks68, 36, 42);
  const leftEye = meanPoint(landmarks68, 42, 48);
  const ex = leftEye[0] - rightEye[0];
  const ey = leftEye[1] - rightEye[1];
  const norm = Math.hypot(ex, ey) || 1;
  const along = (p: Point) => (p[0] * ex + p[1] * ey) / norm;
  const across = (p: Point) => (-p[0] * ey + p[1] * ex) / norm;
  const jawA = along(landmarks68[0]!);
  const jawB = along(landmarks68[16]!);
  const nose = landmarks68[30]!;
  const halfWidth = Math.abs(jawB - jawA) / 2 || 1;
  const offset = (along(nose) - (jawA + jawB) / 2) / halfWidth;
  const eyeLine = (across(rightEye) + across(leftEye)) / 2;
  const chinDrop = across(landmarks68[8]!) - eyeLine || 1;
  const noseAt = (across(nose) - eyeLine) / chinDrop;
  const toDeg = 180 / Math.PI;
  return {
    yawDeg: Math.atan(offset / NOSE_DEPTH) * toDeg,
    pitchDeg: Math.atan((noseAt - FRONTAL_NOSE_AT) / PITCH_LEVER) * toDeg,
  };
}

/** Nose depth over the half-width between the jaw ends, and the frontal nose position (see estimatePose). */
const NOSE_DEPTH = 0.55;
const FRONTAL_NOSE_AT = 0.32;
/** How far the nose tip moves along the eye-chin line per unit of tan(pitch), as a fraction of that line. */
const PITCH_LEVER = 0.6;

export function measureQuality(chip: RgbImage, landmarks68: readonly Point[]): FaceQuality {
  const { width, height, data } = chip;
  const luma = new Float32Array(width * height);
  let total = 0;
  for (let i = 0; i < luma.length; i++) {
    luma[i] = 0.299 * data[3 * i]! + 0.587 * data[3 * i + 1]! + 0.114 * data[3 * i + 2]!;
    total += luma[i]!;
  }
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const lap = luma[i - 1]! + luma[i + 1]! + luma[i - width]! + luma[i + width]! - 4 * luma[i]!;
      sum += lap;
      sumSq += lap * lap;
      n++;
    }
  }
  const mean = n > 0 ? sum / n : 0;
  return {
    ...estimatePose(landmarks68),
    eyeDistancePx: eyeDistance(landmarks68),
    sharpness: n > 0 ? sumSq / n - mean * mean : 0,
    brightness: total / luma.length,
  };
}
