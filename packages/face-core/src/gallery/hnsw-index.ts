import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Index as UsearchIndex } from 'usearch';

// usearch's ES module finds its native build from the caller's stack, which fails under loaders such
// as tsx (endless recursion); its CommonJS build finds it from __dirname.
export const usearch = createRequire(import.meta.url)('usearch') as typeof import('usearch');
export type Index = UsearchIndex;

/** The HNSW parameters of a gallery's index (GalleryMatrixOptions). */
export interface HnswOptions {
  /** HNSW graph degree (usearch `connectivity`). */
  readonly connectivity: number;
  /** HNSW beam width while adding. */
  readonly expansionAdd: number;
  /** HNSW beam width while searching (at least the number of samples retrieved). */
  readonly expansionSearch: number;
  /**
   * Where a background build of the index runs: in a worker thread (`worker`, the default: the main
   * thread only copies the vectors and loads the built index), or on the main thread in chunks (`main`).
   */
  readonly buildIn: 'worker' | 'main';
  /** Threads a worker build uses (usearch's own): 1 leaves the other cores to the doors. */
  readonly buildThreads: number;
}

/** The samples an index is built over, read while they may change (a gallery's rows). */
export interface IndexSource {
  readonly dims: number;
  /** The keys of the samples held now. */
  keys(): Float64Array;
  /** The key the next sample added will get (keys are never reused). */
  nextKey(): number;
  /** Whether a sample is still held. */
  has(key: number): boolean;
  /** A sample's vector, or undefined once it is removed. */
  vector(key: number): Float32Array | undefined;
}

export function newHnswIndex(dims: number, options: HnswOptions): Index {
  return new usearch.Index({
    dimensions: dims,
    metric: usearch.MetricKind.L2sq,
    quantization: usearch.ScalarKind.F16,
    connectivity: options.connectivity,
    expansion_add: options.expansionAdd,
    expansion_search: options.expansionSearch,
    multi: false,
  });
}

/**
 * Builds an HNSW index over the source's samples, in a worker or on the main thread in chunks that
 * yield to the event loop; samples added and removed meanwhile are caught up before it is returned,
 * with the number of keys removed from it (its tombstones).
 */
export async function buildHnswIndex(source: IndexSource, options: HnswOptions, chunk: number): Promise<{ index: Index; removed: number }> {
  const firstNewKey = source.nextKey();
  const keys = source.keys();
  const indexed: number[] = [];
  let index: Index | null = null;
  if (options.buildIn === 'worker') {
    try {
      index = await buildInWorker(source, keys, options);
      indexed.push(...keys);
    } catch (error) {
      // A worker that cannot start or build: the main thread builds, in chunks, as before.
      process.emitWarning(`HNSW index build in a worker failed (${(error as Error).message}); building on the main thread`);
    }
  }
  const built = index ?? newHnswIndex(source.dims, options);
  const add = async (list: ArrayLike<number>) => {
    for (let from = 0; from < list.length; from += chunk) {
      const live: number[] = [];
      const vectors: Float32Array[] = [];
      for (let i = from; i < Math.min(list.length, from + chunk); i++) {
        const vector = source.vector(list[i]!);
        if (!vector) continue;
        live.push(list[i]!);
        vectors.push(vector);
      }
      if (live.length > 0) built.add(BigUint64Array.from(live, BigInt), concat(vectors, source.dims), 0);
      indexed.push(...live);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  if (indexed.length === 0) await add(keys);
  // Keys are never reused: samples added meanwhile have keys from firstNewKey on.
  let caughtUp = firstNewKey;
  while (caughtUp < source.nextKey()) {
    const until = source.nextKey();
    await add(Array.from({ length: until - caughtUp }, (_, i) => caughtUp + i));
    caughtUp = until;
  }
  // Samples removed meanwhile.
  const gone = indexed.filter((key) => !source.has(key));
  if (gone.length > 0) built.remove(BigUint64Array.from(gone, BigInt));
  return { index: built, removed: gone.length };
}

function concat(vectors: readonly Float32Array[], dims: number): Float32Array<ArrayBuffer> {
  const out = new Float32Array(vectors.length * dims);
  vectors.forEach((v, i) => out.set(v, i * dims));
  return out;
}

/**
 * Builds an index of the samples holding `keys` in a worker thread and loads it. The vectors are copied
 * (and transferred), so the source may change meanwhile: the caller catches up.
 */
async function buildInWorker(source: IndexSource, keys: Float64Array, options: HnswOptions): Promise<Index> {
  const vectors = concat(
    Array.from(keys, (key) => source.vector(key)!),
    source.dims,
  );
  const bigKeys = BigUint64Array.from(keys, (k) => BigInt(k));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'facegate-hnsw-'));
  const file = path.join(dir, 'index.usearch');
  try {
    const worker = new Worker(new URL('./hnsw-build-worker.mjs', import.meta.url));
    const done = new Promise<void>((resolve, reject) => {
      worker.once('message', (answer: { ok: boolean; error?: string }) => (answer.ok ? resolve() : reject(new Error(answer.error))));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the index worker exited (${code})`)));
    });
    const { connectivity, expansionAdd, expansionSearch, buildThreads } = options;
    worker.postMessage(
      { path: file, dims: source.dims, connectivity, expansionAdd, expansionSearch, threads: buildThreads, keys: bigKeys, vectors },
      [bigKeys.buffer, vectors.buffer],
    );
    try {
      await done;
    } finally {
      await worker.terminate();
    }
    const index = newHnswIndex(source.dims, options);
    index.load(file);
    return index;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
