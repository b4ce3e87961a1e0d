import type * as tfjs from '@tensorflow/tfjs';
import { createRequire } from 'node:module';

export type TensorFlow = typeof tfjs;

const require = createRequire(import.meta.url);

let instance: TensorFlow | undefined;

/**
 * @tensorflow/tfjs, loaded on first use. The networks run on ONNX Runtime unless it does not load (or
 * FACEGATE_BACKEND says otherwise), and TensorFlow.js costs about 45 MB in every thread that loads it (50
 * with its wasm backend): the API's main thread and each recognition worker would pay it for nothing. Its
 * CommonJS build is what `import '@tensorflow/tfjs'` loads too, so this is the one instance everywhere.
 */
export function tensorFlow(): TensorFlow {
  instance ??= require('@tensorflow/tfjs') as TensorFlow;
  return instance;
}
