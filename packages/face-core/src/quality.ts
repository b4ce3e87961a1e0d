import type { RgbImage } from './image/rgb-image.ts';
import type { Point } from './ops/similarity-transform.ts';

export interface FaceQuality {
  /** Distance between the eye centres in photo pixels: how much detail the photo holds of the face. */
  readonly eyeDistancePx: number;
  /** Variance of the Laplacian of the aligned chip's luminance; low values mean blur. */
  readonly sharpness: number;
  /** Mean luminance of the aligned chip, 0..255. */
  readonly brightness: number;
}

export function eyeDistance(landmarks68: readonly Point[]): number {
  const centre = (from: number) => {
    let x = 0;
    let y = 0;
    for (let i = from; i < from + 6; i++) {
      x += landmarks68[i]![0];
      y += landmarks68[i]![1];
    }
    return [x / 6, y / 6];
  };
  const [rx, ry] = centre(36);
  const [lx, ly] = centre(42);
  return Math.hypot(lx! - rx!, ly! - ry!);
}

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
    eyeDistancePx: eyeDistance(landmarks68),
    sharpness: n > 0 ? sumSq / n - mean * mean : 0,
    brightness: total / luma.length,
  };
}
