import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where built ONNX graphs are kept: `FACEGATE_GRAPH_CACHE`, else `.cache/onnx` in this package (filled at
 * `npm install`, so every user that runs the API reads the same files; git ignores it). Set
 * `FACEGATE_GRAPH_CACHE=off` to build in memory every time.
 */
export function graphCacheDir(env = process.env): string | null {
  const dir = env.FACEGATE_GRAPH_CACHE;
  if (dir === 'off') return null;
  return dir || path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '.cache', 'onnx');
}

let codeHash: Promise<string> | undefined;

/**
 * A hash of the code that builds graphs: the files beside this module (src/onnx/*.ts from source; the
 * compiled bundle's files in a production build). Any change to a builder makes a new cache key, so a
 * stale graph is never loaded.
 */
function builderCodeHash(): Promise<string> {
  codeHash ??= (async () => {
    const dir = path.dirname(fileURLToPath(import.meta.url));
    const hash = createHash('sha256');
    for (const name of (await readdir(dir)).filter((n) => /\.(ts|js|mjs)$/.test(n)).sort())
      hash.update(name).update(await readFile(path.join(dir, name)));
    return hash.digest('hex');
  })();
  return codeHash;
}

/**
 * The graph `build` makes from `inputs` (weight files, or bytes such as calibration figures), as a file path when it could be kept in the
 * cache, else as bytes. Why: building a graph decodes the weights and serialises them in JavaScript, a
 * few hundred MB of short-lived buffers per worker that the process keeps long after (README, "Production
 * build and memory"); ONNX Runtime reads a file natively. The key hashes the inputs' bytes and the
 * builder code; the file is written to a temporary name and renamed, so a reader never sees half of it.
 */
export async function cachedGraph(
  name: string,
  inputs: readonly (string | Uint8Array)[],
  build: () => Promise<Uint8Array>,
  dir = graphCacheDir(),
): Promise<string | Uint8Array> {
  if (!dir) return build();
  const hash = createHash('sha256')
    .update(name)
    .update(await builderCodeHash());
  for (const input of inputs) {
    if (typeof input === 'string') hash.update(input.split(path.sep).slice(-2).join('/')).update(await readFile(input));
    else hash.update(input);
  }
  const file = path.join(dir, `${name}-${hash.digest('hex').slice(0, 24)}.onnx`);
  try {
    if ((await stat(file)).size > 0) return file;
  } catch {
    // not built yet
  }
  const model = await build();
  try {
    await mkdir(dir, { recursive: true });
    const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(temporary, model);
    await rename(temporary, file);
    // Graphs of earlier code or weights are never read again.
    // (`<name>-<hash>.onnx` exactly: dlib-resnet's clean-up leaves dlib-resnet-int8's files alone)
    for (const old of await readdir(dir))
      if (isVersionOf(name, old) && path.join(dir, old) !== file) await rm(path.join(dir, old), { force: true });
  } catch {
    // A read-only package folder or a full disk: run from memory, as without a cache.
  }
  return model;
}

/** Whether a cache file name is `<name>-<24 hex digits>.onnx`, a graph of `name` under some code and weights. */
export function isVersionOf(name: string, file: string): boolean {
  return file.length === name.length + 30 && file.startsWith(`${name}-`) && /^[0-9a-f]{24}\.onnx$/.test(file.slice(name.length + 1));
}
