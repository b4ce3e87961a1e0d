// How the benchmark scripts start the API: as `npm start` runs it (compiled, with package.json's start
// environment) or from the TypeScript sources through tsx (as `npm run dev` does).

/**
 * package.json's start script runs `node dist/server.js` with glibc's mmap threshold fixed at 1 MiB
 * (MALLOC_MMAP_THRESHOLD_, unless already set). By default glibc raises that threshold up to 32 MiB
 * after the first large buffer is freed, and from then on keeps the memory of every freed buffer below
 * it: loading the models (weights decoded, ONNX graphs built and parsed, a few hundred MB of short-lived
 * buffers per worker) left 100-170 MB of freed memory resident in the API. Per-request buffers (a decoded
 * 640x480 frame is 0.9 MB) stay below the threshold and are reused as before.
 * FACEGATE_GLIBC_DEFAULTS=1 leaves glibc's defaults, to measure the difference.
 */
export const START_ENV: Record<string, string> =
  process.env.FACEGATE_GLIBC_DEFAULTS === '1' ? {} : { MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? '1048576' };

/** Node arguments and environment of the API process, run from apps/api. */
export function serverProcess(mode: 'compiled' | 'tsx'): { args: string[]; env: Record<string, string> } {
  return mode === 'compiled' ? { args: ['dist/server.js'], env: START_ENV } : { args: ['--import', 'tsx', 'src/server.ts'], env: {} };
}
