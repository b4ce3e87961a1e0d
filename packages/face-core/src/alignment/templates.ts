import type { Point } from '../ops/similarity-transform.ts';

/**
 * dlib's mean face (68-point iBUG layout, points 17..67, unit square): the reference its ResNet face
 * recogniser was trained to see. We use the five points dlib's own 5-point alignment uses.
 * Index of 68-point landmark -> [x, y] in the unit square.
 */
const DLIB_MEAN_FACE: Readonly<Record<number, Point>> = {
  33: [0.490127, 0.628106], // nose bottom
  36: [0.121737, 0.216423], // right eye, outer corner (image left)
  39: [0.334606, 0.231733], // right eye, inner corner
  42: [0.645647, 0.231733], // left eye, inner corner
  45: [0.858516, 0.216423], // left eye, outer corner (image right)
};

export interface AlignmentTemplate {
  /** Side of the square crop in pixels. */
  readonly size: number;
  /** Which of the 68 landmarks each reference point corresponds to. */
  readonly landmarkIndices: readonly (readonly number[])[];
  /** Reference positions in crop pixels, one per entry of `landmarkIndices` (a landmark group's mean). */
  readonly points: readonly Point[];
}

/** dlib's face chip: `get_face_chip_details(shape, size, padding)` with the 5-point reference. */
export function dlibChipTemplate(size = 150, padding = 0.25): AlignmentTemplate {
  const indices = [36, 39, 42, 45, 33];
  return {
    size,
    landmarkIndices: indices.map((i) => [i]),
    points: indices.map((i) => {
      const [x, y] = DLIB_MEAN_FACE[i]!;
      return [((padding + x) / (1 + 2 * padding)) * size, ((padding + y) / (1 + 2 * padding)) * size];
    }),
  };
}

/** InsightFace's 112x112 ArcFace reference: eye centres, nose tip, mouth corners. */
export function arcFaceTemplate(): AlignmentTemplate {
  return {
    size: 112,
    landmarkIndices: [[36, 37, 38, 39, 40, 41], [42, 43, 44, 45, 46, 47], [30], [48], [54]],
    points: [
      [38.2946, 51.6963],
      [73.5318, 51.5014],
      [56.0252, 71.7366],
      [41.5493, 92.3655],
      [70.7299, 92.2041],
    ],
  };
}
