// Builds a GalleryMatrix's HNSW index off the main thread (worker_threads), so that no door request
// waits behind a build: the keys and vectors arrive transferred, the index is saved to `path`, and the
// main thread loads it (a read, not a build). Plain JavaScript, so it runs the same from the sources and
// beside the API's production bundle, with no TypeScript loader.
//
// message in:  { path, dims, connectivity, expansionAdd, expansionSearch, threads,
//                keys: BigUint64Array [n], vectors: Float32Array [n * dims] }
// message out: { ok: true, count } once saved, or { ok: false, error }
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';

// The CommonJS build, as gallery-matrix.ts loads it (its ES module fails under loaders).
const { Index, MetricKind, ScalarKind } = createRequire(import.meta.url)('usearch');

parentPort.once('message', (task) => {
  try {
    const index = new Index({
      dimensions: task.dims,
      metric: MetricKind.L2sq,
      quantization: ScalarKind.F16,
      connectivity: task.connectivity,
      expansion_add: task.expansionAdd,
      expansion_search: task.expansionSearch,
      multi: false,
    });
    if (task.keys.length > 0) index.add(task.keys, task.vectors, task.threads);
    index.save(task.path);
    parentPort.postMessage({ ok: true, count: task.keys.length });
  } catch (error) {
    parentPort.postMessage({ ok: false, error: error instanceof Error ? error.message : String(error) });
  }
});
