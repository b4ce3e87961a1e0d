import type * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { initBackend, initTensorFlow, packageDir, type BackendName } from '../backend.ts';
import { type Box, boxCenter } from '../geometry.ts';
import { type ImagePyramid, warpToCrop } from '../alignment/warp.ts';
import { loadFaceApiNet } from '../face-api.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import { buildLandmark68 } from '../onnx/landmark-68.ts';
import { createOnnxNetwork } from '../onnx/session.ts';
import { cachedGraph } from '../onnx/graph-cache.ts';
import { faceApiWeightFiles, readFaceApiWeights } from '../onnx/weights.ts';
import { applyTransform, invertTransform, type Point, type SimilarityTransform } from '../ops/similarity-transform.ts';
import { tensorFlow } from '../tensorflow.ts';
import { DEFAULT_LANDMARK_CONFIG, type LandmarkConfig } from './constants.ts';

export interface LandmarkLocator {
  /** The 68 iBUG landmarks (image pixels) of the face in `box`. */
  locate(photo: RgbImage | ImagePyramid, box: Box): Promise<Point[]>;
  /** The landmarks of several faces of one photo, in one network run. */
  locateAll(photo: RgbImage | ImagePyramid, boxes: readonly Box[]): Promise<Point[][]>;
  dispose(): void;
}

/** The network alone: [n, 112, 112, 3] RGB in 0..255 (NHWC, flat) -> [n, 136], (x, y) as fractions of the crop. */
export interface LandmarkRunner {
  predict(pixels: Float32Array, count: number): Promise<Float32Array>;
  dispose(): void;
}

const defaultModelDir = () => path.join(packageDir('@vladmandic/face-api'), 'model');

/** face-api's 68-point network as an ONNX graph built from its weights file (a cached file, or bytes). */
export async function landmark68Graph(inputSize: number, modelDir = defaultModelDir()): Promise<string | Uint8Array> {
  const name = 'face_landmark_68_model';
  return cachedGraph(`landmark-68-${inputSize}`, await faceApiWeightFiles(modelDir, name), async () =>
    buildLandmark68(await readFaceApiWeights(modelDir, name), inputSize),
  );
}

/** face-api's 68-point network on ONNX Runtime. */
export async function loadOnnxLandmark68(inputSize: number, modelDir = defaultModelDir()): Promise<LandmarkRunner> {
  const net = await createOnnxNetwork(await landmark68Graph(inputSize, modelDir), '68-point landmark');
  return {
    predict: async (pixels, count) => (await net.run(pixels, [count, inputSize, inputSize, 3])).data,
    dispose: () => void net.dispose(),
  };
}

/** face-api's 68-point network on TensorFlow.js (the backend initTensorFlow chose). */
export async function loadTensorFlowLandmark68(inputSize: number, modelDir?: string): Promise<LandmarkRunner> {
  await initTensorFlow();
  const tf = tensorFlow();
  const net = await loadFaceApiNet('FaceLandmark68Net', modelDir);
  return {
    async predict(pixels, count) {
      const input = tf.tensor4d(pixels, [count, inputSize, inputSize, 3]);
      const faces = tf.unstack(input) as tf.Tensor3D[];
      let output: tf.Tensor2D | undefined;
      try {
        // A list of images is one batch to face-api. Square crops of inputSize: its post-processing
        // leaves the fractions as they are.
        output = await net.forward(faces);
        return (await output.data()) as Float32Array;
      } finally {
        tf.dispose([input, ...faces]);
        output?.dispose();
      }
    },
    dispose: () => net.dispose(),
  };
}

export async function load(config: Partial<LandmarkConfig> = {}, backend?: BackendName): Promise<LandmarkLocator> {
  const cfg = { ...DEFAULT_LANDMARK_CONFIG, ...config };
  const size = cfg.inputSize;
  const net =
    (backend ?? (await initBackend())) === 'onnx'
      ? await loadOnnxLandmark68(size, cfg.modelDir)
      : await loadTensorFlowLandmark68(size, cfg.modelDir);

  async function locateAll(photo: RgbImage | ImagePyramid, boxes: readonly Box[]): Promise<Point[][]> {
    if (boxes.length === 0) return [];
    const cropValues = size * size * 3;
    const pixels = new Float32Array(boxes.length * cropValues);
    const toCrops = boxes.map((box, n) => {
      const [cx, cy] = boxCenter(box);
      const side = Math.max(box.width, box.height) * cfg.boxScale;
      const scale = size / side;
      const toCrop: SimilarityTransform = { a: scale, b: 0, tx: -(cx - side / 2) * scale, ty: -(cy - side / 2) * scale };
      pixels.set(warpToCrop(photo, toCrop, size).data, n * cropValues);
      return toCrop;
    });
    // [n, 112, 112, 3] -> [n, 136]: (x, y) pairs as fractions of the crop side
    const flat = await net.predict(pixels, boxes.length);
    return toCrops.map((toCrop, n) => {
      const back = invertTransform(toCrop);
      const points: Point[] = [];
      for (let i = 0; i < 68; i++) {
        const o = n * 136 + 2 * i;
        points.push(applyTransform(back, [flat[o]! * size, flat[o + 1]! * size]));
      }
      return points;
    });
  }

  return {
    locate: async (photo, box) => (await locateAll(photo, [box]))[0]!,
    locateAll,
    dispose() {
      net.dispose();
    },
  };
}
