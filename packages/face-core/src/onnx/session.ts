import { createRequire } from 'node:module';
import os from 'node:os';
import type * as ort from 'onnxruntime-node';
import { ModelLoadError } from '../errors.ts';

type OnnxRuntime = typeof ort;

const require = createRequire(import.meta.url);

// ONNX Runtime queues telemetry (a device id, events) under ~/.cache/Microsoft/DeveloperTools/ and leaves
// /tmp/mat-debug-<pid>.log in every process unless this is set before it loads. facegate runs offline and
// writes nowhere but its data directory: off, unless the operator set the variable. Set on the main
// thread (as this module is imported there first), it is in the process's environment for its workers.
process.env.ORT_DISABLE_TELEMETRY ??= '1';

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
 * Intra-op threads per session: `FACEGATE_ONNX_THREADS`, else 2 (1 on a 1-core machine). An engine
 * alone in its process (the facegate command, a script) uses the second core: on an idle 2-core
 * machine, encoding a face and its mirror image takes 6.7-7.3 ms with 2 threads against 11.1 ms with 1
 * (README). The API's pool sets 1 per worker, a worker per core: under load every core already has
 * its worker, and 2 threads each only compete (pool.ts).
 */
export function onnxThreads(value = process.env.FACEGATE_ONNX_THREADS, cores = os.availableParallelism()): number {
  if (value === undefined || value === '') return Math.min(2, cores);
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`FACEGATE_ONNX_THREADS must be a whole number >= 1; got ${value}`);
  return threads;
}

/**
 * No spinning threads: a pool thread that waits for work sleeps instead of spinning on a core another
 * process (or the API's event loop, or its other worker) needs; one inter-op thread (sequential).
 */
export const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  executionProviders: ['cpu'],
  intraOpNumThreads: onnxThreads(),
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

/** Creates a session for a model built in memory (see graph.ts) or kept in a file (graph-cache.ts). */
export async function createOnnxNetwork(
  model: Uint8Array | string,
  name: string,
  options: { threads?: number } = {},
): Promise<OnnxNetwork> {
  const ort = await loadOnnxRuntime();
  if (!ort) throw new ModelLoadError('onnxruntime-node is not available');
  const sessionOptions = options.threads === undefined ? SESSION_OPTIONS : { ...SESSION_OPTIONS, intraOpNumThreads: options.threads };
  let session: ort.InferenceSession;
  try {
    // Two calls: the overloads for a path and for bytes do not merge.
    session =
      typeof model === 'string'
        ? await ort.InferenceSession.create(model, sessionOptions)
        : await ort.InferenceSession.create(model, sessionOptions);
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
