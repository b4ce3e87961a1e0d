import type { RgbImage } from '../image/rgb-image.ts';
import { estimateSimilarityTransform, type Point } from '../ops/similarity-transform.ts';
import type { AlignmentTemplate } from './templates.ts';
import { type ImagePyramid, warpToCrop } from './warp.ts';

/** The template's reference points located in the photo: each is the mean of its landmark group. */
export function templateSourcePoints(landmarks68: readonly Point[], template: AlignmentTemplate): Point[] {
  if (landmarks68.length !== 68) throw new RangeError(`expected 68 landmarks, got ${landmarks68.length}`);
  return template.landmarkIndices.map((group) => {
    let x = 0;
    let y = 0;
    for (const i of group) {
      x += landmarks68[i]![0];
      y += landmarks68[i]![1];
    }
    return [x / group.length, y / group.length] as Point;
  });
}

/**
 * The face rotated, scaled and cropped so its landmarks sit where the template puts them. Where the
 * chip reaches outside the photo the edge pixels are repeated, not black: a black wedge is not part of
 * the face, yet the encoder would see it and every page would show it.
 */
export function alignFace(photo: RgbImage | ImagePyramid, landmarks68: readonly Point[], template: AlignmentTemplate): RgbImage {
  const transform = estimateSimilarityTransform(templateSourcePoints(landmarks68, template), template.points);
  return warpToCrop(photo, transform, template.size, 'replicate');
}
