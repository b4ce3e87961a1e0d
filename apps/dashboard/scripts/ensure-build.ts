// Builds the dashboard (next build) when there is no build yet or a source file is newer than it.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const dashboardDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The `next` command's script, run with the current Node. */
export function nextBin(): string {
  return createRequire(path.join(dashboardDir, 'package.json')).resolve('next/dist/bin/next');
}

function newest(file: string): number {
  const stat = statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(file).map((name) => newest(path.join(file, name))));
}

/** Why a build is needed, or null when .next is up to date with the sources. */
export function buildNeeded(): string | null {
  const buildId = path.join(dashboardDir, '.next', 'BUILD_ID');
  if (!existsSync(buildId)) return 'no build yet';
  const built = statSync(buildId).mtimeMs;
  const sources = ['src', 'next.config.ts', 'package.json', 'tsconfig.json'].map((f) => path.join(dashboardDir, f)).filter(existsSync);
  return sources.some((f) => newest(f) > built) ? 'sources changed since the last build' : null;
}

const BUILD_STEP = /^\s*(?:[✓▲]|Creating|Compiled|Compiling|Linting|Collecting|Generating|Finalizing|Checking|Skipping)/u;

/** Runs `next build` when needed; resolves when the build is there. */
export async function ensureBuild(log: (line: string) => void = console.info): Promise<void> {
  const why = buildNeeded();
  if (!why) return;
  log(`building the dashboard (${why}): next build`);
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [nextBin(), 'build'], {
      cwd: dashboardDir,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    // next build's own steps, as they happen (about 35 s on 2 cores), without its route table.
    let pending = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      const lines = (pending + d.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (BUILD_STEP.test(line)) log(`  next build: ${line.trim()}`);
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`next build failed (exit ${code}):\n${output.slice(-4000)}`))));
  });
  log(`dashboard built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await ensureBuild();
}
