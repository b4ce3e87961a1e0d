import { describe, expect, it } from 'vitest';
import type { RgbImage } from '../image/rgb-image.ts';
import { applyTransform, invertTransform, type SimilarityTransform } from '../ops/similarity-transform.ts';
import { ImagePyramid, warpToCrop } from './warp.ts';

/** warpToCrop as first written: one applyTransform and twelve bounds-checked samples per pixel. */
function referenceWarp(photo: RgbImage, toCrop: SimilarityTransform, size: number): Uint8Array {
  const pyramid = new ImagePyramid(photo);
  const scale = Math.max(Math.hypot(toCrop.a, toCrop.b), 1e-9);
  const wanted = scale >= 0.5 ? 0 : Math.ceil(Math.log2(0.5 / scale));
  const { image: source, level } = pyramid.level(wanted);
  const f = 2 ** level;
  const o = (f - 1) / 2;
  const back = invertTransform({
    a: toCrop.a * f,
    b: toCrop.b * f,
    tx: toCrop.tx + o * (toCrop.a - toCrop.b),
    ty: toCrop.ty + o * (toCrop.b + toCrop.a),
  });
  const { data, width, height } = source;
  const sample = (x: number, y: number, c: number) => (x < 0 || y < 0 || x >= width || y >= height ? 0 : data[(y * width + x) * 3 + c]!);
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const [sx, sy] = applyTransform(back, [x, y]);
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      for (let c = 0; c < 3; c++) {
        const top = sample(x0, y0, c) + (sample(x0 + 1, y0, c) - sample(x0, y0, c)) * fx;
        const bottom = sample(x0, y0 + 1, c) + (sample(x0 + 1, y0 + 1, c) - sample(x0, y0 + 1, c)) * fx;
        out[(y * size + x) * 3 + c] = Math.round(top + (bottom - top) * fy);
      }
    }
  }
  return out;
}

/** A deterministic pseudo-random photo. */
function noisePhoto(width: number, height: number, seed: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let state = seed;
  for (let i = 0; i < data.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    data[i] = state >>> 24;
  }
  return { data, width, height };
}

describe('warpToCrop', () => {
  it('gives the same bytes as the per-sample reference: rotations, scales, crops reaching outside the photo', () => {
    const photo = noisePhoto(211, 157, 7);
    const cases: SimilarityTransform[] = [];
    for (let i = 0; i < 24; i++) {
      const angle = (i * 0.37) % (2 * Math.PI);
      const scale = [0.2, 0.45, 0.8, 1, 1.7, 3][i % 6]!;
      const a = scale * Math.cos(angle);
      const b = scale * Math.sin(angle);
      // Centres spread over and beyond the photo, so some crops leave it.
      const cx = -40 + ((i * 53) % 300);
      const cy = -30 + ((i * 37) % 220);
      cases.push({ a, b, tx: 32 - (a * cx - b * cy), ty: 32 - (b * cx + a * cy) });
    }
    for (const toCrop of cases) {
      expect(Buffer.from(warpToCrop(photo, toCrop, 64).data).equals(Buffer.from(referenceWarp(photo, toCrop, 64)))).toBe(true);
    }
  });

  it('gives the same bytes without rotation (the detector windows path), inside and across every edge', () => {
    const photo = noisePhoto(211, 157, 11);
    // [left, top, side] windows as the detector cuts them: letterboxed, tiles, beyond each edge.
    const windows = [
      [0, -27, 211],
      [-50, -80, 311],
      [0, 0, 96],
      [115, 61, 96],
      [150, 100, 120],
      [-20, 40, 60],
      [30.5, 12.25, 77.3],
    ] as const;
    for (const [left, top, side] of windows) {
      const scale = 64 / side;
      const toCrop = { a: scale, b: 0, tx: -left * scale, ty: -top * scale };
      expect(Buffer.from(warpToCrop(photo, toCrop, 64).data).equals(Buffer.from(referenceWarp(photo, toCrop, 64)))).toBe(true);
    }
  });
});
