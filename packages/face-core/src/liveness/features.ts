import type { ImagePyramid } from '../alignment/warp.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import type { Point } from '../ops/similarity-transform.ts';
import { faceCropTransform, maskedCrop, type MaskedCrop } from './crop.ts';

/**
 * Hand-made presentation-attack cues of one face, computed in plain TypeScript on two small crops:
 * - the face (eyebrows to chin, `faceSize` px square): colour texture (LBP histograms in YCbCr and HSV;
 *   recapture through paper or a screen changes the micro-texture and the chroma of skin), frequency
 *   content (radial FFT energy: prints lose the fine detail, screens add moire and pixel-grid peaks),
 *   colour and specular statistics;
 * - the context (the same centre, `contextZoom` times wider, pixels beyond the photo masked out):
 *   texture and colour of what surrounds the face, and long straight edges (the border of a sheet of
 *   paper or of a screen held up to the camera).
 */
export interface FeatureSpec {
  readonly faceSize: number;
  readonly contextSize: number;
  readonly contextZoom: number;
  /** Feature groups, in order (see FEATURE_GROUPS). */
  readonly groups: readonly FeatureGroup[];
}

export const FEATURE_GROUPS = [
  'face-lbp-y',
  'face-lbp-cb',
  'face-lbp-cr',
  'face-lbp-h',
  'face-lbp-s',
  'face-lbp-v',
  'face-lbp2-y',
  'face-colour',
  'face-fft',
  'context-lbp-y',
  'context-lbp-cr',
  'context-colour',
  'context-fft',
  'context-edges',
] as const;
export type FeatureGroup = (typeof FEATURE_GROUPS)[number];

// ---------- colour spaces (8-bit planes; LBP only compares neighbours) ----------

interface Planes {
  readonly y: Float32Array;
  readonly cb: Float32Array;
  readonly cr: Float32Array;
  readonly h: Float32Array;
  readonly s: Float32Array;
  readonly v: Float32Array;
}

/** YCbCr (BT.601, full range) and HSV (hue, saturation and value scaled to 0..255) of an RGB image. */
export function colourPlanes(image: RgbImage): Planes {
  const n = image.width * image.height;
  const y = new Float32Array(n), cb = new Float32Array(n), cr = new Float32Array(n);
  const h = new Float32Array(n), s = new Float32Array(n), v = new Float32Array(n);
  const d = image.data;
  for (let i = 0; i < n; i++) {
    const r = d[3 * i]!, g = d[3 * i + 1]!, b = d[3 * i + 2]!;
    y[i] = 0.299 * r + 0.587 * g + 0.114 * b;
    cb[i] = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
    cr[i] = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    const delta = max - min;
    v[i] = max;
    s[i] = max === 0 ? 0 : (255 * delta) / max;
    let hue = 0;
    if (delta > 0) {
      if (max === r) hue = ((g - b) / delta + 6) % 6;
      else if (max === g) hue = (b - r) / delta + 2;
      else hue = (r - g) / delta + 4;
    }
    h[i] = (hue * 255) / 6;
  }
  return { y, cb, cr, h, s, v };
}

// ---------- local binary patterns ----------

/** Maps the 256 8-neighbour codes to the 59 "uniform" bins (at most two 0/1 transitions around the circle; the rest share bin 58). */
const UNIFORM_BINS: Uint8Array = (() => {
  const table = new Uint8Array(256);
  let next = 0;
  for (let code = 0; code < 256; code++) {
    let transitions = 0;
    for (let k = 0; k < 8; k++) if (((code >> k) & 1) !== ((code >> ((k + 1) % 8)) & 1)) transitions++;
    table[code] = transitions <= 2 ? next++ : 58;
  }
  return table;
})();
export const LBP_BINS = 59;

/**
 * Uniform LBP(8, radius) histogram of a plane, over pixels whose whole neighbourhood lies in the mask;
 * square-rooted (Hellinger) so that a linear classifier compares histograms sensibly. Sums of squares = 1.
 */
export function lbpHistogram(plane: Float32Array, size: number, radius: number, mask?: Uint8Array): Float64Array {
  const hist = new Float64Array(LBP_BINS);
  const r = radius;
  const up = r * size;
  let count = 0;
  for (let y = r; y < size - r; y++) {
    for (let x = r; x < size - r; x++) {
      const i = y * size + x;
      if (mask && !(mask[i - up - r] && mask[i - up + r] && mask[i + up - r] && mask[i + up + r])) continue;
      const c = plane[i]!;
      // Neighbours clockwise from the top-left, bit k for neighbour k (written out: the hot loop).
      const code =
        (plane[i - up - r]! >= c ? 1 : 0) |
        (plane[i - up]! >= c ? 2 : 0) |
        (plane[i - up + r]! >= c ? 4 : 0) |
        (plane[i + r]! >= c ? 8 : 0) |
        (plane[i + up + r]! >= c ? 16 : 0) |
        (plane[i + up]! >= c ? 32 : 0) |
        (plane[i + up - r]! >= c ? 64 : 0) |
        (plane[i - r]! >= c ? 128 : 0);
      hist[UNIFORM_BINS[code]!]!++;
      count++;
    }
  }
  for (let b = 0; b < LBP_BINS; b++) hist[b] = count > 0 ? Math.sqrt(hist[b]! / count) : 0;
  return hist;
}

// ---------- frequency ----------

/** In-place radix-2 FFT of one complex row (length a power of two). */
function fft1d(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const r = re[i]!;
      re[i] = re[j]!;
      re[j] = r;
      const m = im[i]!;
      im[i] = im[j]!;
      im[j] = m;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const angle = (-2 * Math.PI) / len;
    const wr = Math.cos(angle), wi = Math.sin(angle);
    for (let i = 0; i < n; i += len) {
      let cr = 1, ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k, b = a + len / 2;
        const tr = re[b]! * cr - im[b]! * ci;
        const ti = re[b]! * ci + im[b]! * cr;
        re[b] = re[a]! - tr; im[b] = im[a]! - ti;
        re[a] = re[a]! + tr; im[a] = im[a]! + ti;
        const ncr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = ncr;
      }
    }
  }
}

/** Power spectrum of a square plane (side a power of two), mean removed and Hann-windowed; masked pixels count as the mean. */
export function powerSpectrum(plane: Float32Array, size: number, mask?: Uint8Array): Float64Array {
  if ((size & (size - 1)) !== 0) throw new RangeError(`FFT size must be a power of two, got ${size}`);
  let sum = 0, count = 0;
  for (let i = 0; i < size * size; i++) {
    if (mask && !mask[i]) continue;
    sum += plane[i]!;
    count++;
  }
  const mean = count > 0 ? sum / count : 0;
  const hann = Float64Array.from({ length: size }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / size));
  const re = new Float64Array(size * size), im = new Float64Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      re[i] = mask && !mask[i] ? 0 : (plane[i]! - mean) * hann[x]! * hann[y]!;
    }
  }
  const rowRe = new Float64Array(size), rowIm = new Float64Array(size);
  for (let y = 0; y < size; y++) {
    rowRe.set(re.subarray(y * size, (y + 1) * size));
    rowIm.fill(0);
    fft1d(rowRe, rowIm);
    re.set(rowRe, y * size);
    im.set(rowIm, y * size);
  }
  const power = new Float64Array(size * size);
  for (let x = 0; x < size; x++) {
    for (let y = 0; y < size; y++) {
      rowRe[y] = re[y * size + x]!;
      rowIm[y] = im[y * size + x]!;
    }
    fft1d(rowRe, rowIm);
    for (let y = 0; y < size; y++) power[y * size + x] = rowRe[y]! ** 2 + rowIm[y]! ** 2;
  }
  return power;
}

const FFT_BANDS = 8;

/**
 * Frequency cues: the share of energy in 8 radial bands (log), the ratio of the top half of the
 * spectrum to the bottom (log), and how peaky the high frequencies are (log of the largest over the
 * median power there: moire and a screen's pixel grid make isolated peaks, natural skin does not).
 */
export function frequencyFeatures(plane: Float32Array, size: number, mask?: Uint8Array): number[] {
  const power = powerSpectrum(plane, size, mask);
  const bands = new Float64Array(FFT_BANDS);
  const high = new Float64Array(size * size);
  let highCount = 0;
  let total = 1e-9;
  const half = size / 2;
  for (let v = 0; v < size; v++) {
    const fv = v < half ? v : v - size;
    for (let u = 0; u < size; u++) {
      if (u === 0 && v === 0) continue;
      const fu = u < half ? u : u - size;
      const r = Math.min(0.999, Math.hypot(fu, fv) / half);
      const p = power[v * size + u]!;
      bands[Math.floor(r * FFT_BANDS)]! += p;
      total += p;
      if (r >= 0.5) high[highCount++] = p;
    }
  }
  const sortedHigh = high.subarray(0, highCount).sort();
  const median = sortedHigh[highCount >> 1]! + 1e-9;
  const top = sortedHigh[highCount - 1]! + 1e-9;
  let upper = 1e-9;
  for (let b = FFT_BANDS / 2; b < FFT_BANDS; b++) upper += bands[b]!;
  return [...Array.from(bands, (e) => Math.log((e + 1e-9) / total)), Math.log(upper / total), Math.log(top / median), Math.log(total / (size * size))];
}

// ---------- colour and specular statistics ----------

/** Mean, spread and percentiles of an 8-bit-range plane over the mask (percentiles to the nearest 1/4 level). */
function stats(values: Float32Array, mask?: Uint8Array): { mean: number; sd: number; p01: number; p50: number; p99: number } {
  const bins = 1024;
  const hist = new Uint32Array(bins);
  let n = 0, sum = 0, sumSq = 0;
  for (let i = 0; i < values.length; i++) {
    if (mask && !mask[i]) continue;
    const v = values[i]!;
    n++;
    sum += v;
    sumSq += v * v;
    hist[Math.max(0, Math.min(bins - 1, Math.round(v * 4)))]!++;
  }
  if (n === 0) return { mean: 0, sd: 0, p01: 0, p50: 0, p99: 0 };
  const mean = sum / n;
  const sd = Math.sqrt(Math.max(0, sumSq / n - mean * mean));
  const at = (p: number) => {
    const rank = Math.min(n - 1, Math.floor(p * n));
    let seen = 0;
    for (let b = 0; b < bins; b++) {
      seen += hist[b]!;
      if (seen > rank) return b / 4;
    }
    return (bins - 1) / 4;
  };
  return { mean, sd, p01: at(0.01), p50: at(0.5), p99: at(0.99) };
}

/**
 * Colour statistics (all scaled to about 0..1): mean and spread of Y, Cb, Cr, S and V, the dynamic
 * range of Y (prints and screens compress it), the share of specular pixels (bright and unsaturated:
 * glare on glossy paper or glass), the share of clipped pixels, and the sharpness (mean absolute
 * Laplacian of Y relative to its spread).
 */
export function colourFeatures(planes: Planes, size: number, mask?: Uint8Array): number[] {
  const y = stats(planes.y, mask), cb = stats(planes.cb, mask), cr = stats(planes.cr, mask);
  const s = stats(planes.s, mask), v = stats(planes.v, mask);
  let specular = 0, clipped = 0, count = 0, laplacian = 0, lapCount = 0;
  for (let i = 0; i < size * size; i++) {
    if (mask && !mask[i]) continue;
    count++;
    if (planes.v[i]! > 230 && planes.s[i]! < 40) specular++;
    if (planes.v[i]! >= 252 || planes.y[i]! <= 3) clipped++;
    const x = i % size, row = (i - x) / size;
    if (x > 0 && x < size - 1 && row > 0 && row < size - 1 && (!mask || (mask[i - 1] && mask[i + 1] && mask[i - size] && mask[i + size]))) {
      laplacian += Math.abs(4 * planes.y[i]! - planes.y[i - 1]! - planes.y[i + 1]! - planes.y[i - size]! - planes.y[i + size]!);
      lapCount++;
    }
  }
  const n = Math.max(count, 1);
  return [
    y.mean / 255, y.sd / 255, (y.p99 - y.p01) / 255, y.p50 / 255,
    cb.mean / 255, cb.sd / 255, cr.mean / 255, cr.sd / 255,
    s.mean / 255, s.sd / 255, v.mean / 255, v.sd / 255,
    specular / n, clipped / n,
    Math.log(1 + laplacian / Math.max(lapCount, 1)) - Math.log(1 + y.sd),
  ];
}

// ---------- long straight edges around the face ----------

/**
 * Straight-edge cues of the context crop: for horizontal and vertical lines, the strongest row (or
 * column) of aligned gradient relative to the median one (log), and where that line lies (distance
 * from the centre, 0..1). The border of a sheet of paper or a phone held up to the camera is a long
 * straight edge close to the face; a room has them too, but rarely framing the face.
 */
export function edgeFeatures(plane: Float32Array, size: number, mask: Uint8Array): number[] {
  const rows = new Float64Array(size), cols = new Float64Array(size);
  const rowCount = new Float64Array(size), colCount = new Float64Array(size);
  for (let y = 1; y < size - 1; y++) {
    for (let x = 1; x < size - 1; x++) {
      const i = y * size + x;
      if (!(mask[i - 1] && mask[i + 1] && mask[i - size] && mask[i + size])) continue;
      const gy = plane[i + size]! - plane[i - size]!;
      const gx = plane[i + 1]! - plane[i - 1]!;
      // Signed sums: a straight edge adds up along its line, texture cancels out.
      rows[y]! += gy;
      rowCount[y]!++;
      cols[x]! += gx;
      colCount[x]!++;
    }
  }
  const profile = (sums: Float64Array, counts: Float64Array) => {
    const values: number[] = [];
    let best = 0, where = 0;
    for (let k = 1; k < size - 1; k++) {
      if (counts[k]! < size / 4) continue;
      const v = Math.abs(sums[k]!) / counts[k]!;
      values.push(v);
      if (v > best) {
        best = v;
        where = k;
      }
    }
    if (values.length === 0) return [0, 0];
    values.sort((a, b) => a - b);
    const median = values[values.length >> 1]!;
    return [Math.log((best + 1) / (median + 1)), Math.abs(where - size / 2) / (size / 2)];
  };
  return [...profile(rows, rowCount), ...profile(cols, colCount)];
}

// ---------- all together ----------

export interface FaceCrops {
  readonly face: MaskedCrop;
  readonly context: MaskedCrop;
}

export function cutCrops(photo: RgbImage | ImagePyramid, landmarks68: readonly Point[], spec: FeatureSpec): FaceCrops {
  return {
    face: maskedCrop(photo, faceCropTransform(landmarks68, spec.faceSize), spec.faceSize),
    context: maskedCrop(photo, faceCropTransform(landmarks68, spec.contextSize, spec.contextZoom), spec.contextSize),
  };
}

/** The feature vector of one face: the spec's groups in order. */
export function extractFeatures(photo: RgbImage | ImagePyramid, landmarks68: readonly Point[], spec: FeatureSpec): Float64Array {
  const crops = cutCrops(photo, landmarks68, spec);
  const fs = spec.faceSize, cs = spec.contextSize;
  const face = colourPlanes(crops.face.image);
  const faceMask = crops.face.mask;
  const needsContext = spec.groups.some((g) => g.startsWith('context-'));
  const context = needsContext ? colourPlanes(crops.context.image) : face;
  const contextMask = crops.context.mask;
  const out: number[] = [];
  for (const group of spec.groups) {
    switch (group) {
      case 'face-lbp-y': out.push(...lbpHistogram(face.y, fs, 1, faceMask)); break;
      case 'face-lbp-cb': out.push(...lbpHistogram(face.cb, fs, 1, faceMask)); break;
      case 'face-lbp-cr': out.push(...lbpHistogram(face.cr, fs, 1, faceMask)); break;
      case 'face-lbp-h': out.push(...lbpHistogram(face.h, fs, 1, faceMask)); break;
      case 'face-lbp-s': out.push(...lbpHistogram(face.s, fs, 1, faceMask)); break;
      case 'face-lbp-v': out.push(...lbpHistogram(face.v, fs, 1, faceMask)); break;
      case 'face-lbp2-y': out.push(...lbpHistogram(face.y, fs, 2, faceMask)); break;
      case 'face-colour': out.push(...colourFeatures(face, fs, faceMask)); break;
      case 'face-fft': out.push(...frequencyFeatures(face.y, fs, faceMask)); break;
      case 'context-lbp-y': out.push(...lbpHistogram(context.y, cs, 1, contextMask)); break;
      case 'context-lbp-cr': out.push(...lbpHistogram(context.cr, cs, 1, contextMask)); break;
      case 'context-colour': out.push(...colourFeatures(context, cs, contextMask)); break;
      case 'context-fft': out.push(...frequencyFeatures(context.y, cs, contextMask)); break;
      case 'context-edges': out.push(...edgeFeatures(context.y, cs, contextMask)); break;
      default: throw new RangeError(`unknown liveness feature group ${String(group satisfies never)}`);
    }
  }
  return Float64Array.from(out);
}
