import { ImagePyramid, warpToCrop } from '../alignment/warp.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import { estimateSimilarityTransform, invertTransform, type Point, type SimilarityTransform } from '../ops/similarity-transform.ts';
import { meanPoint } from '../quality.ts';

/** A square crop of a photo and which of its pixels came from inside the photo (1) or beyond its edge (0). */
export interface MaskedCrop {
  readonly image: RgbImage;
  readonly mask: Uint8Array;
  /** Fraction of the crop's pixels inside the photo. */
  readonly coverage: number;
}

/**
 * The similarity transform that puts the eye centres and the mouth centre of a face (68 landmarks) at
 * fixed places of a `size` x `size` crop: the eyes 0.4 * size apart at 0.36 * size from the top, the
 * mouth at 0.78 * size, so the crop spans the face from the eyebrows to the chin. `zoomOut` > 1 widens
 * the crop around the same centre (2.5 shows the head, the shoulders and whatever holds the face: a
 * sheet of paper or a screen's bezel).
 */
export function faceCropTransform(landmarks68: readonly Point[], size: number, zoomOut = 1): SimilarityTransform {
  if (landmarks68.length !== 68) throw new RangeError(`expected 68 landmarks, got ${landmarks68.length}`);
  const rightEye = meanPoint(landmarks68, 36, 42);
  const leftEye = meanPoint(landmarks68, 42, 48);
  const mouth = meanPoint(landmarks68, 48, 68);
  const c = size / 2;
  const at = (x: number, y: number): Point => [c + (x * size - c) / zoomOut, c + (y * size - c) / zoomOut];
  return estimateSimilarityTransform([rightEye, leftEye, mouth], [at(0.3, 0.36), at(0.7, 0.36), at(0.5, 0.78)]);
}

/** Cuts a `size` x `size` crop (bilinear, from the photo's pyramid) with the mask of its pixels inside the photo. */
export function maskedCrop(photo: RgbImage | ImagePyramid, toCrop: SimilarityTransform, size: number): MaskedCrop {
  const pyramid = ImagePyramid.of(photo);
  const { width, height } = pyramid.image;
  const image = warpToCrop(pyramid, toCrop, size);
  const back = invertTransform(toCrop);
  const mask = new Uint8Array(size * size);
  let inside = 0;
  const { a, b, tx, ty } = back;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      // applyTransform(back, [x, y]), written out (no two arrays per pixel)
      const sx = a * x - b * y + tx;
      const sy = b * x + a * y + ty;
      if (sx >= 0 && sy >= 0 && sx <= width - 1 && sy <= height - 1) {
        mask[y * size + x] = 1;
        inside++;
      }
    }
  }
  return { image, mask, coverage: inside / (size * size) };
}
