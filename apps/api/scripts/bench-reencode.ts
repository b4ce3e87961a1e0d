// npm run bench:reencode -w @facegate/api: what a model change costs the doors.
//
// A temporary SQLite deployment (2 recognition threads) with BENCH_PEOPLE celeba-dev people and up to 3
// enrolled photos each. A door identifies the other photos of those people one after another: first with
// nothing else running, then while a model change re-encodes every sample (a head on the encoder; the job
// encodes one stored photo at a time and waits while door photos queue). Prints the door's latency
// (p50/p95/max) in both phases, the job's duration and samples per second, as one JSON line.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ENCODER_MODEL_ID, facesDir, headArtefact } from '@facegate/face-core';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { Viewer } from '../src/context.ts';
import { FaceRejectedError } from '../src/errors.ts';

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 60);
// A door photo per this many: enough rounds while the job runs, without an hour of idle baseline.
const PROBES = Number(process.env.BENCH_PROBES ?? 150);
const celeba = path.join(facesDir(), 'celeba-dev');
const SYSTEM: Viewer = { kind: 'system' };
const log = (line: string) => process.stderr.write(`${line}\n`);

function quantiles(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => Number((s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? Number.NaN).toFixed(1));
  return { n: s.length, p50: q(0.5), p95: q(0.95), max: Number((s.at(-1) ?? Number.NaN).toFixed(1)) };
}

const dir = await mkdtemp(path.join(tmpdir(), 'facegate-bench-reencode-'));
const app = await createApp(
  loadConfig({
    DATABASE_URL: `file:${path.join(dir, 'facegate.db')}`,
    FACEGATE_RECOGNIZER_THREADS: '2',
    FACEGATE_DATA_KEY_FILE: path.join(dir, 'data.key'),
    FACEGATE_MODEL_POLL_MS: '100',
    FACEGATE_LOG_LEVEL: 'warn',
  }),
);
try {
  const probes: Uint8Array[] = [];
  const names = (await readdir(celeba, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .slice(0, PEOPLE);
  for (const [i, name] of names.entries()) {
    const files = (await readdir(path.join(celeba, name))).filter((f) => f.endsWith('.jpg')).sort();
    const person = await app.services.people.create({ name: `person ${i}` });
    let kept = 0;
    for (const f of files) {
      const bytes = new Uint8Array(await readFile(path.join(celeba, name, f)));
      if (kept < 3)
        kept += (await app.services.people.enroll(person.id, [{ filename: f, bytes }], { allowDuplicates: true })).enrolled.length;
      else probes.push(bytes);
    }
  }
  probes.splice(PROBES);
  const samples = await app.db.prisma.faceSample.count();
  log(`${names.length} people, ${samples} samples, ${probes.length} door photos`);
  const door = async (list: Uint8Array[], until?: () => Promise<boolean>) => {
    const ms: number[] = [];
    for (const image of list) {
      if (until && (await until())) break;
      const start = performance.now();
      // A photo the quality gates refuse is answered (and audited) as well: it counts like any attempt.
      await app.services.recognition.identify(SYSTEM, { doorId: null, images: [image] }).catch((error: unknown) => {
        if (!(error instanceof FaceRejectedError)) throw error;
      });
      ms.push(performance.now() - start);
    }
    return ms;
  };
  const idle = quantiles(await door(probes));
  log(`idle door: ${JSON.stringify(idle)}`);

  const d = 128;
  const weights = Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? 1 : 0) + 0.01 * Math.sin(i));
  const head = headArtefact(ENCODER_MODEL_ID, weights, new Array<number>(d).fill(0), { note: 'bench head' });
  await app.services.models.addHead(JSON.stringify(head));
  const started = performance.now();
  const change = await app.services.models.requestChange(head.id, null);
  const done = async () => (await app.db.prisma.modelChange.findUniqueOrThrow({ where: { id: change.id } })).status === 'done';
  // The door keeps going, round after round of its photos, until the switch.
  const during: number[] = [];
  while (!(await done())) during.push(...(await door(probes, done)));
  const jobSeconds = (performance.now() - started) / 1000;
  const busy = quantiles(during);
  log(`door during the change: ${JSON.stringify(busy)}; job ${jobSeconds.toFixed(1)} s`);
  const job = await app.services.models.changes(1);
  process.stdout.write(
    `${JSON.stringify({ people: names.length, samples, threads: 2, doorIdleMs: idle, doorDuringChangeMs: busy, jobSeconds: Number(jobSeconds.toFixed(1)), samplesPerSecond: Number((samples / jobSeconds).toFixed(1)), failed: job[0]?.failed ?? null })}\n`,
  );
} finally {
  await app.close();
  await rm(dir, { recursive: true, force: true });
}
