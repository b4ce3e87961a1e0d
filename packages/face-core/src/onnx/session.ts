import { createRequire } from 'node:module';
import type * as ort from 'onnxruntime-node';
import { ModelLoadError } from '../errors.ts';

type OnnxRuntime = typeof ort;

const require = createRequire(import.meta.url);

let runtime: Promise<OnnxRuntime | undefined> | undefined;

/**
 * onnxruntime-node, or undefined where its native library does not load (another platform, a broken
 * install): callers then fall back to TensorFlow.js. Loaded once, on first use.
 */
export function loadOnnxRuntime(): Promise<OnnxRuntime | undefined> {
  runtime ??= (async () => {
    try {
      // A CommonJS package; required (not imported) so its exports are typed as they are.
      return require('onnxruntime-node') as OnnxRuntime;
    } catch {
      return undefined;
    }
  })();
  return runtime;
}

/**
 * One thread per session and no spinning: inference runs on the calling (event-loop) thread's core, and
 * parallelism comes from running several processes or workers, each with its own session, never from
 * threads that spin on a core another engineer's process (or the API's other worker) needs.
 */
export const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  executionProviders: ['cpu'],
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
};

/** A loaded network with one float input and one float output. */
export interface OnnxNetwork {
  /** Runs the network on `data`, laid out as `dims`; returns the output's values and shape. */
  run(data: Float32Array, dims: readonly number[]): Promise<{ data: Float32Array; dims: readonly number[] }>;
  dispose(): Promise<void>;
}

/** Creates a session for a model built in memory (see graph.ts). */
export async function createOnnxNetwork(model: Uint8Array, name: string): Promise<OnnxNetwork> {
  const ort = await loadOnnxRuntime();
  if (!ort) throw new ModelLoadError('onnxruntime-node is not available');
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(model, SESSION_OPTIONS);
  } catch (cause) {
    throw new ModelLoadError(`ONNX Runtime refused the ${name} graph`, { cause });
  }
  const [input] = session.inputNames;
  const [output] = session.outputNames;
  return {
    async run(data, dims) {
      const feeds = { [input!]: new ort.Tensor('float32', data, dims) };
      const result = await session.run(feeds);
      const tensor = result[output!]!;
      return { data: tensor.data as Float32Array, dims: tensor.dims };
    },
    dispose: () => session.release(),
  };
}
