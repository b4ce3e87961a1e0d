import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend.ts';
import { type Box, boxCenter } from '../geometry.ts';
import { type ImagePyramid, warpToCrop } from '../alignment/warp.ts';
import { loadFaceApiNet } from '../face-api.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import { applyTransform, invertTransform, type Point, type SimilarityTransform } from '../ops/similarity-transform.ts';
import { DEFAULT_LANDMARK_CONFIG, type LandmarkConfig } from './constants.ts';

export interface LandmarkLocator {
  /** The 68 iBUG landmarks (image pixels) of the face in `box`. */
  locate(photo: RgbImage | ImagePyramid, box: Box): Promise<Point[]>;
  dispose(): void;
}

export async function load(config: Partial<LandmarkConfig> = {}): Promise<LandmarkLocator> {
  const cfg = { ...DEFAULT_LANDMARK_CONFIG, ...config };
  await initBackend();
  const net = await loadFaceApiNet('FaceLandmark68Net', cfg.modelDir);
  return {
    async locate(photo, box) {
      const [cx, cy] = boxCenter(box);
      const side = Math.max(box.width, box.height) * cfg.boxScale;
      const scale = cfg.inputSize / side;
      const toCrop: SimilarityTransform = { a: scale, b: 0, tx: -(cx - side / 2) * scale, ty: -(cy - side / 2) * scale };
      const crop = warpToCrop(photo, toCrop, cfg.inputSize);
      const input = tf.tensor4d(crop.data, [1, crop.height, crop.width, 3], 'int32');
      let output: tf.Tensor2D | undefined;
      try {
        // [1, 112, 112, 3] -> [1, 136]: (x, y) pairs as fractions of the crop side
        output = await net.forward(input);
        const flat = await output.data();
        const back = invertTransform(toCrop);
        const points: Point[] = [];
        for (let i = 0; i < 68; i++) {
          points.push(applyTransform(back, [flat[2 * i]! * cfg.inputSize, flat[2 * i + 1]! * cfg.inputSize]));
        }
        return points;
      } finally {
        input.dispose();
        output?.dispose();
      }
    },
    dispose() {
      net.dispose();
    },
  };
}
