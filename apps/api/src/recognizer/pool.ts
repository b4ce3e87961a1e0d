import os from 'node:os';
import v8 from 'node:v8';
import type { Worker } from 'node:worker_threads';
import { ENCODER_MODEL_ID, precisionOfModel, type EncoderPrecision } from '@facegate/face-core';
import { Piscina } from 'piscina';
import type { AnalyzeResult, AnalyzeTask } from './worker.ts';

/** Piscina's refusal when its bounded queue is full. */
export function isQueueFull(error: unknown): boolean {
  return error instanceof Error && error.message === 'Task queue is at limit';
}

/** Piscina's rejection of the tasks of a worker thread that exited (crashed or was terminated). */
export function isWorkerExit(error: unknown): boolean {
  return error instanceof Error && /^worker exited with code/.test(error.message);
}

export interface Recognizer {
  readonly threads: number;
  /** Photos waiting for a worker. */
  queueDepth(): number;
  /** Worker threads running now (readiness: all of them). */
  liveThreads(): number;
  /** The worker threads themselves (a fault test terminates one mid-request). */
  workers(): readonly Worker[];
  /** Decodes, detects and encodes in a worker thread; never blocks the caller's event loop. */
  analyze(task: AnalyzeTask): Promise<AnalyzeResult>;
  close(): Promise<void>;
}

/** Defined (true) by scripts/build.ts in the production bundle; undefined when running the sources. */
declare const __FACEGATE_COMPILED__: boolean | undefined;

/**
 * The worker's module: in the production build (`npm start`), dist/worker.js, plain JavaScript; from
 * source (development, tests, the facegate command), worker.ts through tsx.
 */
function workerModule(): { filename: string; execArgv?: string[] } {
  if (typeof __FACEGATE_COMPILED__ !== 'undefined' && __FACEGATE_COMPILED__) {
    // import.meta.url is this source file's location in the bundle too (see scripts/build.ts).
    return { filename: new URL('../../dist/worker.js', import.meta.url).href };
  }
  // tsx resolved from here, not from the working directory: `facegate db ...` may run anywhere.
  return { filename: new URL('./worker.ts', import.meta.url).href, execArgv: ['--import', import.meta.resolve('tsx')] };
}

/** See createRecognizer. Measured (README): 42.3 requests/s and 41.6 ms of CPU each without, 44.9 and 39.2 with 32 MB, 46.6-47 and 37.0-37.5 with 64 MB. */
const WORKER_INITIAL_OLD_SPACE_MB = 64;

/**
 * A pool of worker threads, each with its own face engine (models loaded once per thread). Sized to
 * the cores by default; the queue is bounded so an overload is refused rather than buffered forever.
 */
export async function createRecognizer(
  options: { threads?: number; maxQueue?: number; encoderPrecision?: EncoderPrecision } = {},
): Promise<Recognizer> {
  const threads = options.threads ?? Math.max(1, os.availableParallelism());
  // The workers' own JavaScript heap is small (~11 MB live), but V8 counts the typed arrays of each
  // photo (the decoded frame, its halvings, the networks' inputs and outputs: ~3 MB) towards its limit,
  // which started a full garbage collection every ~5 photos (89 per worker in a 20 s bench:api run);
  // with 64 MB before the first one, 14. Read when each worker's heap is created, so set before.
  v8.setFlagsFromString(`--initial-old-space-size=${WORKER_INITIAL_OLD_SPACE_MB}`);
  const pool = new Piscina<AnalyzeTask, AnalyzeResult>({
    ...workerModule(),
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Number.POSITIVE_INFINITY,
    // One ONNX Runtime thread per worker unless FACEGATE_ONNX_THREADS says otherwise: a worker per
    // core already keeps the cores busy under load (face-core's default, 2, is for an engine alone).
    // The encoder is this process's (the database's, set by app.ts), whatever the environment says.
    env: {
      ...process.env,
      FACEGATE_ONNX_THREADS: process.env.FACEGATE_ONNX_THREADS || '1',
      FACEGATE_ENCODER_PRECISION: options.encoderPrecision ?? precisionOfModel(ENCODER_MODEL_ID) ?? 'float32',
    },
    maxQueue: options.maxQueue ?? threads * 64,
  });
  // Load the models in every thread now, not on the first door that rings.
  const blank = new Uint8Array(
    Buffer.from(
      '89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8ffff3f0005fe02fea7d6a49a0000000049454e44ae426082',
      'hex',
    ),
  );
  await Promise.all(Array.from({ length: threads }, () => pool.run({ image: blank, faces: 'one' })));
  return {
    threads,
    queueDepth: () => pool.queueSize,
    liveThreads: () => pool.threads.length,
    workers: () => pool.threads,
    analyze: (task) => pool.run(task),
    close: () => pool.destroy(),
  };
}
