import type * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { packageDir } from './backend.ts';

/**
 * The part of @vladmandic/face-api we use: its pretrained networks (68-point landmarks and the dlib
 * ResNet face descriptor), defined in its code with weights shipped in its package. Its node-wasm build
 * shares our @tensorflow/tfjs instance, so it runs on whichever backend initBackend chose.
 */
export interface FaceApiNet {
  loadFromDisk(dir: string): Promise<void>;
  /** [1, h, w, 3], or a list of n [h, w, 3] images (a batch) -> [n, outputs]. */
  forward(input: tf.Tensor4D | tf.Tensor3D[]): Promise<tf.Tensor2D>;
  dispose(): void;
}

interface FaceApiModule {
  FaceLandmark68Net: new () => FaceApiNet;
  FaceRecognitionNet: new () => FaceApiNet;
}

const require = createRequire(import.meta.url);

export async function loadFaceApiNet(kind: 'FaceLandmark68Net' | 'FaceRecognitionNet', modelDir?: string): Promise<FaceApiNet> {
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApiModule;
  const net = new faceapi[kind]();
  await net.loadFromDisk(modelDir ?? path.join(packageDir('@vladmandic/face-api'), 'model'));
  return net;
}
