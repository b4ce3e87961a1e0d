// npm run rss -w @facegate/api: the API's memory after start, run from TypeScript through tsx (as in
// development) and compiled (as `npm start` runs it, with its environment: server-process.ts), on a
// fresh SQLite file each time. Prints one JSON
// line: per way of running, the resident memory (RSS) of the API process (main thread and recognition
// workers) once /readyz answers 200 and it has idled for RSS_SETTLE_MS, and of its child processes
// (tsx starts an esbuild service), over RSS_RUNS starts (median, min, max).
//
//   RSS_RUNS (3), RSS_SETTLE_MS (2000), RSS_MODES (tsx,compiled), RSS_PORT (4591), plus the API's variables
//   (FACEGATE_RECOGNIZER_THREADS, FACEGATE_BACKEND, ...), passed through; FACEGATE_GLIBC_DEFAULTS=1
//   starts the compiled API without package.json's glibc setting.
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { START_ENV, serverProcess } from './server-process.ts';

const RUNS = Number(process.env.RSS_RUNS ?? 3);
const SETTLE_MS = Number(process.env.RSS_SETTLE_MS ?? 2000);
const PORT = Number(process.env.RSS_PORT ?? 4591);
const MODES = (process.env.RSS_MODES ?? 'tsx,compiled').split(',') as ('tsx' | 'compiled')[];
const apiDir = path.resolve(import.meta.dirname, '..');

/** Resident memory of a process in MiB (Linux: /proc), 0 when it is gone. */
function rssMb(pid: number): number {
  try {
    const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

/** Every descendant of `pid` (Linux: /proc/<pid>/task/<tid>/children). */
function descendants(pid: number): number[] {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const children = tids.flatMap((tid) => {
    try {
      return readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });
  return children.flatMap((child) => [child, ...descendants(child)]);
}

async function startOnce(mode: 'tsx' | 'compiled'): Promise<{ apiMb: number; childrenMb: number; startMs: number }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'facegate-rss-'));
  const command = serverProcess(mode);
  const started = performance.now();
  const server = spawn(process.execPath, command.args, {
    cwd: apiDir,
    env: {
      ...process.env,
      ...command.env,
      DATABASE_URL: `file:${path.join(dir, 'rss.db')}`,
      PORT: String(PORT),
      FACEGATE_ADMIN_EMAIL: 'rss@facegate.test',
      FACEGATE_ADMIN_PASSWORD: 'rss password 1',
      FACEGATE_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    for (const deadline = Date.now() + 180_000; ;) {
      if (
        await fetch(`http://127.0.0.1:${PORT}/readyz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (Date.now() > deadline || server.exitCode !== null) throw new Error(`the API (${mode}) did not become ready`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const startMs = performance.now() - started;
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const apiMb = rssMb(server.pid!);
    const childrenMb = descendants(server.pid!).reduce((sum, pid) => sum + rssMb(pid), 0);
    return { apiMb, childrenMb, startMs };
  } finally {
    server.kill('SIGTERM');
    if (server.exitCode === null) await new Promise((resolve) => server.once('exit', resolve));
    await rm(dir, { recursive: true, force: true });
  }
}

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: Math.round(sorted[Math.floor(sorted.length / 2)]!), min: Math.round(sorted[0]!), max: Math.round(sorted.at(-1)!) };
}

if (MODES.includes('compiled')) execFileSync('npm', ['run', 'build'], { cwd: apiDir, stdio: ['ignore', 'ignore', 'inherit'] });
const results: Record<string, unknown> = {};
const samples = Object.fromEntries(MODES.map((mode) => [mode, [] as Awaited<ReturnType<typeof startOnce>>[]]));
// Interleaved, so a change in the machine's load touches both ways alike.
for (let run = 0; run < RUNS; run++) for (const mode of MODES) samples[mode]!.push(await startOnce(mode));
for (const mode of MODES) {
  const runs = samples[mode]!;
  results[mode] = {
    apiRssMb: stats(runs.map((r) => r.apiMb)),
    childProcessesRssMb: stats(runs.map((r) => r.childrenMb)),
    readyAfterMs: stats(runs.map((r) => r.startMs)),
  };
}
console.log(
  JSON.stringify({
    runs: RUNS,
    settleMs: SETTLE_MS,
    threads: process.env.FACEGATE_RECOGNIZER_THREADS ?? 'cores',
    compiledEnv: START_ENV,
    ...results,
  }),
);
