// npm run build -w @facegate/api: compiles the API for production (`npm start`) into two ES module
// bundles, dist/server.js and dist/worker.js (the recognition worker), so the server and its workers run
// plain JavaScript on Node, without tsx's loader. Development keeps running the sources (`npm run dev`,
// tests, the facegate command).
//
// What is bundled: this package's sources, the workspace packages (@facegate/*, which export their .ts
// sources) and the generated Prisma clients. Every other package stays an import of node_modules, loaded
// as in development (native addons, wasm files and package data stay where they are).
//
// Paths: modules find files relative to themselves (import.meta.dirname/url: the SQLite default,
// prisma/migrations, the liveness networks and points, createRequire). In the bundle each module's import.meta.url,
// .dirname and .filename are rewritten to its source file's location, computed relative to the bundle at
// run time, so every path resolves exactly as it does from source and the repository can move.
import { build, type Plugin } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';

const apiDir = path.resolve(import.meta.dirname, '..');
const outdir = path.join(apiDir, 'dist');

/** import.meta.* of a source module, as expressions evaluated in a bundle that lives in `outdir`. */
function sourceLocation(file: string): Record<string, string> {
  const relative = (to: string) => path.relative(outdir, to).split(path.sep).join('/');
  const url = `new URL(${JSON.stringify(relative(file))}, import.meta.url)`;
  return {
    url: `${url}.href`,
    filename: `__facegateFileURLToPath(${url})`,
    dirname: `__facegatePath.dirname(__facegateFileURLToPath(${url}))`,
  };
}

const plugin: Plugin = {
  name: 'facegate',
  setup(b) {
    // Bare imports: workspace packages are bundled, the rest stay imports. Each must resolve from dist/
    // (that is, from apps/api: dist has no node_modules) to the same file as from the importing source,
    // or the bundle would load another copy of the package, or none.
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'check' || args.path.startsWith('@facegate/')) return undefined;
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      const fromSource = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'check' });
      const fromBundle = await b.resolve(args.path, { kind: args.kind, resolveDir: apiDir, pluginData: 'check' });
      // Optional dependencies that did not install (@tensorflow/tfjs-node) resolve from neither: fine.
      if (fromSource.errors.length === 0 && (fromBundle.errors.length > 0 || fromBundle.path !== fromSource.path)) {
        return {
          errors: [
            {
              text: `${args.path} resolves to ${fromSource.path} from ${args.importer} but to ${fromBundle.path || 'nothing'} from ${outdir}: hoist it to the root node_modules`,
            },
          ],
        };
      }
      return { path: args.path, external: true };
    });
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const location = sourceLocation(args.path);
      const source = await readFile(args.path, 'utf8');
      return {
        contents: source.replace(/\bimport\.meta\.(url|dirname|filename)\b/g, (_, key: string) => `(${location[key]})`),
        loader: 'ts',
      };
    });
  },
};

const started = performance.now();
await rm(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: apiDir,
  entryPoints: { server: 'src/server.ts', worker: 'src/recognizer/worker.ts' },
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  // Dynamic imports stay lazy (chunks loaded when first imported), as they are from source: TensorFlow.js
  // code, for one, loads only where that backend runs.
  splitting: true,
  // Beside the entry points: the import.meta rewrite is relative to outdir.
  chunkNames: '[name]-[hash]',
  target: 'node20',
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
  // Tells recognizer/pool.ts to start dist/worker.js rather than the TypeScript worker through tsx.
  define: { __FACEGATE_COMPILED__: 'true' },
  banner: { js: "import { fileURLToPath as __facegateFileURLToPath } from 'node:url'; import __facegatePath from 'node:path';" },
  plugins: [plugin],
});
const sizes = Object.entries(result.metafile.outputs)
  .filter(([file]) => file.endsWith('.js'))
  .map(([file, output]) => `${path.basename(file)} ${(output.bytes / 1024).toFixed(0)} KiB`);
console.log(`built ${path.relative(process.cwd(), outdir) || '.'}: ${sizes.join(', ')} in ${Math.round(performance.now() - started)} ms`);
