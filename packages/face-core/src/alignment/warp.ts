import type { RgbImage } from '../image/rgb-image.ts';
import { invertTransform, transformScale, type SimilarityTransform } from '../ops/similarity-transform.ts';

/** Halves an image by averaging 2x2 blocks (the last odd row or column is dropped). */
export function halveImage(image: RgbImage): RgbImage {
  const width = image.width >> 1;
  const height = image.height >> 1;
  const out = new Uint8Array(width * height * 3);
  const src = image.data;
  const stride = image.width * 3;
  for (let y = 0; y < height; y++) {
    const row0 = 2 * y * stride;
    const row1 = row0 + stride;
    for (let x = 0; x < width; x++) {
      const s0 = row0 + 6 * x;
      const s1 = row1 + 6 * x;
      const d = (y * width + x) * 3;
      // The three channels written out (a loop over them took twice as long).
      out[d] = (src[s0]! + src[s0 + 3]! + src[s1]! + src[s1 + 3]! + 2) >> 2;
      out[d + 1] = (src[s0 + 1]! + src[s0 + 4]! + src[s1 + 1]! + src[s1 + 4]! + 2) >> 2;
      out[d + 2] = (src[s0 + 2]! + src[s0 + 5]! + src[s1 + 2]! + src[s1 + 5]! + 2) >> 2;
    }
  }
  return { data: out, width, height };
}

/**
 * A photo and its halvings (1/2, 1/4, ...), computed when first asked for and kept: every crop cut
 * from one photo (detector windows, landmark crops, aligned chips) shares them.
 */
/** Pyramids by image, for as long as the image is kept. */
const shared = new WeakMap<RgbImage, ImagePyramid>();

export class ImagePyramid {
  private readonly levels: RgbImage[];

  constructor(readonly image: RgbImage) {
    this.levels = [image];
  }

  /**
   * The pyramid of `image`, shared by everyone who asks for the same image object: the engine's crops
   * and the liveness check's (which cut from the same decoded photo) halve it once, not twice.
   */
  static of(image: RgbImage | ImagePyramid): ImagePyramid {
    if (image instanceof ImagePyramid) return image;
    let pyramid = shared.get(image);
    if (!pyramid) {
      pyramid = new ImagePyramid(image);
      shared.set(image, pyramid);
    }
    return pyramid;
  }

  /** The photo halved `k` times (fewer when it gets too small to halve). */
  level(k: number): { image: RgbImage; level: number } {
    while (this.levels.length <= k) {
      const last = this.levels[this.levels.length - 1]!;
      if (last.width < 4 || last.height < 4) break;
      this.levels.push(halveImage(last));
    }
    const level = Math.min(k, this.levels.length - 1);
    return { image: this.levels[level]!, level };
  }
}

/**
 * What a crop shows where it reaches outside the photo: black (detector windows and landmark crops,
 * as the networks were run so far), or the nearest edge pixel repeated (aligned chips: a face near the
 * photo's edge, e.g. a tight 96x96 portrait whose chin region the chip extends below, otherwise gets a
 * black wedge that the encoder sees and that every page showing the chip shows).
 */
export type WarpBorder = 'zero' | 'replicate';

/**
 * Resamples a photo into a `size` x `size` crop where `toCrop` maps photo coordinates to crop
 * coordinates. Bilinear; outside the photo, `border` decides. When the crop shrinks the photo by more than 2x it
 * samples a halved copy (a pyramid, as dlib's extract_image_chip does) so that downsampling averages
 * pixels instead of skipping them.
 */
export function warpToCrop(
  photo: RgbImage | ImagePyramid,
  toCrop: SimilarityTransform,
  size: number,
  border: WarpBorder = 'zero',
): RgbImage {
  const pyramid = ImagePyramid.of(photo);
  // The fewest halvings that keep the crop at no less than half the source's resolution.
  const scale = Math.max(transformScale(toCrop), 1e-9);
  const wanted = scale >= 0.5 ? 0 : Math.ceil(Math.log2(0.5 / scale));
  const { image: source, level } = pyramid.level(wanted);
  // A pixel centre x of the k-times halved photo sits at 2^k x + (2^k - 1) / 2 in the original.
  const f = 2 ** level;
  const o = (f - 1) / 2;
  const transform: SimilarityTransform = {
    a: toCrop.a * f,
    b: toCrop.b * f,
    tx: toCrop.tx + o * (toCrop.a - toCrop.b),
    ty: toCrop.ty + o * (toCrop.b + toCrop.a),
  };
  const back = invertTransform(transform);
  const { width, height } = source;
  const out = new Uint8Array(size * size * 3);
  // applyTransform(back, [x, y]) written out (the same arithmetic, without two arrays per pixel), and
  // the four neighbours read directly when they are all inside the photo: the hot loop of every request
  // (detector windows, landmark crops, chips). Same bytes as the per-sample path (warp.test.ts).
  const { a, b, tx, ty } = back;
  const read = border === 'replicate' ? sampleClamped : sample;
  // No rotation (the detector's windows): each column's x and each row's y are computed once.
  if (b === 0) return warpAxisAligned(source, a, tx, ty, size, read);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const sx = a * x - b * y + tx;
      const sy = b * x + a * y + ty;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const d = (y * size + x) * 3;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < width && y0 + 1 < height) blendInside(source, x0, y0, fx, fy, out, d);
      else blendAtEdge(source, x0, y0, fx, fy, out, d, read);
    }
  }
  return { data: out, width: size, height: size };
}

/**
 * warpToCrop's loop when the transform has no rotation (b = 0): sx = a x + tx depends on the column
 * only and sy = a y + ty on the row only, so they, their floors and fractions are computed once per
 * column and per row. The same arithmetic as the general loop, so the same bytes (warp.test.ts).
 */
function warpAxisAligned(source: RgbImage, a: number, tx: number, ty: number, size: number, read: typeof sample): RgbImage {
  const { width, height } = source;
  const out = new Uint8Array(size * size * 3);
  const colX0 = new Int32Array(size);
  const colFx = new Float64Array(size);
  let firstInside = size;
  let lastInside = -1;
  for (let x = 0; x < size; x++) {
    const sx = a * x + tx;
    const x0 = Math.floor(sx);
    colX0[x] = x0;
    colFx[x] = sx - x0;
    if (x0 >= 0 && x0 + 1 < width) {
      firstInside = Math.min(firstInside, x);
      lastInside = x;
    }
  }
  for (let y = 0; y < size; y++) {
    const sy = a * y + ty;
    const y0 = Math.floor(sy);
    const fy = sy - y0;
    const rowInside = y0 >= 0 && y0 + 1 < height;
    for (let x = 0; x < size; x++) {
      const x0 = colX0[x]!;
      const fx = colFx[x]!;
      const d = (y * size + x) * 3;
      if (rowInside && x >= firstInside && x <= lastInside) blendInside(source, x0, y0, fx, fy, out, d);
      else blendAtEdge(source, x0, y0, fx, fy, out, d, read);
    }
  }
  return { data: out, width: size, height: size };
}

/**
 * Writes the bilinear blend of the four pixels at (x0, y0)..(x0 + 1, y0 + 1), all inside the photo, to
 * out[d..d + 2]: the three channels written out (this is most of a warp's time).
 */
function blendInside({ data, width }: RgbImage, x0: number, y0: number, fx: number, fy: number, out: Uint8Array, d: number): void {
  const i00 = (y0 * width + x0) * 3;
  const i01 = i00 + width * 3;
  let p00 = data[i00]!,
    p10 = data[i00 + 3]!,
    p01 = data[i01]!,
    p11 = data[i01 + 3]!;
  let top = p00 + (p10 - p00) * fx;
  out[d] = Math.round(top + (p01 + (p11 - p01) * fx - top) * fy);
  p00 = data[i00 + 1]!;
  p10 = data[i00 + 4]!;
  p01 = data[i01 + 1]!;
  p11 = data[i01 + 4]!;
  top = p00 + (p10 - p00) * fx;
  out[d + 1] = Math.round(top + (p01 + (p11 - p01) * fx - top) * fy);
  p00 = data[i00 + 2]!;
  p10 = data[i00 + 5]!;
  p01 = data[i01 + 2]!;
  p11 = data[i01 + 5]!;
  top = p00 + (p10 - p00) * fx;
  out[d + 2] = Math.round(top + (p01 + (p11 - p01) * fx - top) * fy);
}

/** The same blend where some of the four pixels lie outside the photo: `read` says what they are. */
function blendAtEdge(
  { data, width, height }: RgbImage,
  x0: number,
  y0: number,
  fx: number,
  fy: number,
  out: Uint8Array,
  d: number,
  read: typeof sample,
): void {
  for (let c = 0; c < 3; c++) {
    const p00 = read(data, width, height, x0, y0, c);
    const p10 = read(data, width, height, x0 + 1, y0, c);
    const p01 = read(data, width, height, x0, y0 + 1, c);
    const p11 = read(data, width, height, x0 + 1, y0 + 1, c);
    const top = p00 + (p10 - p00) * fx;
    const bottom = p01 + (p11 - p01) * fx;
    out[d + c] = Math.round(top + (bottom - top) * fy);
  }
}

function sample(data: Uint8Array, width: number, height: number, x: number, y: number, c: number): number {
  if (x < 0 || y < 0 || x >= width || y >= height) return 0;
  return data[(y * width + x) * 3 + c]!;
}

/** The nearest pixel inside the photo (edge-replicate padding). */
function sampleClamped(data: Uint8Array, width: number, height: number, x: number, y: number, c: number): number {
  const cx = x < 0 ? 0 : x >= width ? width - 1 : x;
  const cy = y < 0 ? 0 : y >= height ? height - 1 : y;
  return data[(cy * width + cx) * 3 + c]!;
}
