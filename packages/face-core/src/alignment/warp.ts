import type { RgbImage } from '../image/rgb-image.ts';
import {
  applyTransform,
  invertTransform,
  transformScale,
  type SimilarityTransform,
} from '../ops/similarity-transform.ts';

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
      const s = 6 * x;
      const d = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        out[d + c] = (src[row0 + s + c]! + src[row0 + s + 3 + c]! + src[row1 + s + c]! + src[row1 + s + 3 + c]! + 2) >> 2;
      }
    }
  }
  return { data: out, width, height };
}

/**
 * Resamples `image` into a `size` x `size` crop where `toCrop` maps image coordinates to crop
 * coordinates. Bilinear, zero outside the image. When the crop shrinks the face by more than 2x the
 * image is first halved (a pyramid, as dlib's extract_image_chip does) so that downsampling averages
 * pixels instead of skipping them.
 */
export function warpToCrop(image: RgbImage, toCrop: SimilarityTransform, size: number): RgbImage {
  let source = image;
  let transform = toCrop;
  while (transformScale(transform) < 0.5 && source.width >= 4 && source.height >= 4) {
    source = halveImage(source);
    // A pixel centre x in the halved image sits at 2x + 0.5 in the original.
    transform = {
      a: transform.a * 2,
      b: transform.b * 2,
      tx: transform.tx + 0.5 * (transform.a - transform.b),
      ty: transform.ty + 0.5 * (transform.b + transform.a),
    };
  }
  const back = invertTransform(transform);
  const { data, width, height } = source;
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const [sx, sy] = applyTransform(back, [x, y]);
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const d = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) {
        const p00 = sample(data, width, height, x0, y0, c);
        const p10 = sample(data, width, height, x0 + 1, y0, c);
        const p01 = sample(data, width, height, x0, y0 + 1, c);
        const p11 = sample(data, width, height, x0 + 1, y0 + 1, c);
        const top = p00 + (p10 - p00) * fx;
        const bottom = p01 + (p11 - p01) * fx;
        out[d + c] = Math.round(top + (bottom - top) * fy);
      }
    }
  }
  return { data: out, width: size, height: size };
}

function sample(data: Uint8Array, width: number, height: number, x: number, y: number, c: number): number {
  if (x < 0 || y < 0 || x >= width || y >= height) return 0;
  return data[(y * width + x) * 3 + c]!;
}
