// Builds the ONNX graphs into the graph cache (graph-cache.ts), run at `npm install` (this
// package's postinstall) so that no process of the API has to build them: building costs a worker
// about 110 MB of memory it keeps (README, "Production build and memory").
import { fileURLToPath } from 'node:url';
import { blazeFaceGraph } from '../detection/blazeface.ts';
import { dlibResNetGraph } from '../encoding/dlib-resnet.ts';
import { DEFAULT_LANDMARK_CONFIG } from '../landmarks/constants.ts';
import { landmark68Graph } from '../landmarks/landmark-68.ts';
import { exactInt8 } from './cpu.ts';
import { graphCacheDir } from './graph-cache.ts';

/** The cached graph files (paths), or the reason there are none. */
export async function prepareGraphs(): Promise<string[]> {
  const builds = [() => blazeFaceGraph(), () => landmark68Graph(DEFAULT_LANDMARK_CONFIG.inputSize), () => dlibResNetGraph()];
  // The int8 encoder too where it can run (FACEGATE_ENCODER_PRECISION=int8 may be set after install).
  if (exactInt8()) builds.push(() => dlibResNetGraph(undefined, 'int8'));
  const lines: string[] = [];
  for (const build of builds) {
    // A graph just built comes back as bytes; asked again, it is the cached file where one was written.
    let graph = await build();
    const dir = graphCacheDir();
    if (graph instanceof Uint8Array && dir) graph = await build();
    lines.push(typeof graph === 'string' ? graph : `(not cached: ${dir ? `${dir} is not writable` : 'FACEGATE_GRAPH_CACHE=off'})`);
  }
  return lines;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const line of await prepareGraphs()) console.info(`onnx graph: ${line}`);
}
