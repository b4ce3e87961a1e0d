// npm run bench:api: starts the API on a fresh SQLite file, enrols the office, then drives verifyFace
// with concurrent door clients over real HTTP and prints throughput, latency and audit completeness.
//
//   BENCH_RATE or --rate R: open loop instead, requests sent at R per second with Poisson arrivals,
//   each timed from its scheduled arrival (so a slow answer does not hide the ones queued behind it);
//   BENCH_CLIENTS (16), BENCH_SECONDS (30), BENCH_PORT (4590), BENCH_SERVER (compiled: dist/server.js as
//   `npm start` runs it, built first, with its environment, see server-process.ts; tsx: the sources
//   through tsx), BENCH_NODE_ARGS (extra Node options
//   for the API process, e.g. --cpu-prof), plus the API's own variables.
// Also printed: the API's RSS after start, after the run and at its peak, and the CPU time the API
// process and this client spent per request (both share the machine's cores).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { facesDir, packageDir } from '@facegate/face-core';
import sharp from 'sharp';
import { serverProcess } from './server-process.ts';

const { values: args } = parseArgs({ options: { rate: { type: 'string' } }, strict: true });
const RATE = (args.rate ?? process.env.BENCH_RATE) ? Number(args.rate ?? process.env.BENCH_RATE) : null;
if (RATE !== null && !(RATE > 0))
  throw new Error(`--rate must be a number of requests per second above 0, got ${args.rate ?? process.env.BENCH_RATE}`);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const PORT = Number(process.env.BENCH_PORT ?? 4590);
const URL_ = `http://127.0.0.1:${PORT}/graphql`;
const SERVER = process.env.BENCH_SERVER ?? 'compiled';
if (SERVER !== 'compiled' && SERVER !== 'tsx') throw new Error(`BENCH_SERVER must be compiled or tsx, got ${SERVER}`);
const apiDir = path.join(import.meta.dirname, '..');

/** utime + stime of a /proc stat file (fields 14 and 15, in clock ticks: 100 per second on Linux), in ms. */
function cpuMsOf(statFile: string): number {
  const fields = readFileSync(statFile, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Linux /proc figures of a process: resident memory now and at its peak (MiB), CPU time used (ms), and
 * that of its main thread alone (the event loop: HTTP, GraphQL, the database; the rest is the
 * recognition workers, and libuv's and V8's helpers).
 */
function processFigures(pid: number): { rssMb: number; peakRssMb: number; cpuMs: number; mainThreadCpuMs: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? Number.NaN);
  return {
    rssMb: kb('VmRSS') / 1024,
    peakRssMb: kb('VmHWM') / 1024,
    cpuMs: cpuMsOf(`/proc/${pid}/stat`),
    mainThreadCpuMs: cpuMsOf(`/proc/${pid}/task/${pid}/stat`),
  };
}

async function gql(query: string, variables: Record<string, unknown>, token?: string) {
  const response = await fetch(URL_, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as {
    data?: Record<string, { data?: Record<string, unknown> } & Record<string, unknown>>;
    errors?: unknown;
  };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!;
}

async function upload(
  query: string,
  variables: Record<string, unknown>,
  file: { variable: string; bytes: Uint8Array; name: string },
  token: string,
) {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query, variables }));
  form.append('map', JSON.stringify({ 0: [`variables.${file.variable}`] }));
  form.append('0', new File([new Uint8Array(file.bytes)], file.name));
  const response = await fetch(URL_, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'graphql-require-preflight': '1' },
    body: form,
  });
  return (await response.json()) as { data?: Record<string, { __typename: string; data?: { accepted: boolean } }>; errors?: unknown };
}

/** A door camera's frame: 640x480 JPEG with one face, the photo scaled to the frame's height and centred. */
async function doorFrame(file: string): Promise<Uint8Array> {
  const face = await sharp(file).resize(480, 480, { fit: 'cover' }).toBuffer();
  return new Uint8Array(await sharp(face).extend({ left: 80, right: 80, background: '#6b6f74' }).jpeg({ quality: 85 }).toBuffer());
}

/**
 * The office: the exercise's 12 employees and one LFW person (Colin Powell, enrolled from one photo and
 * probed with another as a 640x480 door frame) when ../shared/faces is there, else faces cut from
 * face-api's samples.
 */
async function office(): Promise<{ people: { name: string; bytes: Uint8Array }[]; probe: { name: string; bytes: Uint8Array } }> {
  const seed = path.join(facesDir(), 'seed');
  const lfw = path.join(facesDir(), 'lfw-view1', 'Colin_Powell');
  if (existsSync(seed) && existsSync(lfw)) {
    const names = ['andrew', 'arnaud', 'benoit', 'bertrand', 'dan', 'danielle', 'felix', 'kevin', 'kian', 'sebastiano', 'tian', 'younes'];
    const people = await Promise.all(
      names.map(async (name) => ({
        name,
        bytes: new Uint8Array(await readFile(path.join(seed, name === 'danielle' ? 'danielle.png' : `${name}.jpg`))),
      })),
    );
    const [enrolled, probe] = (await readdir(lfw)).sort();
    people.push({ name: 'Colin Powell', bytes: new Uint8Array(await readFile(path.join(lfw, enrolled!))) });
    return { people, probe: { name: 'Colin Powell', bytes: await doorFrame(path.join(lfw, probe!)) } };
  }
  const sample = path.join(packageDir('@vladmandic/face-api'), 'demo', 'sample2.jpg');
  const bytes = new Uint8Array(await sharp(sample).extract({ left: 1300, top: 40, width: 500, height: 500 }).jpeg().toBuffer());
  return {
    people: [{ name: 'sample', bytes }],
    probe: { name: 'sample', bytes: new Uint8Array(await sharp(bytes).resize(320).jpeg({ quality: 80 }).toBuffer()) },
  };
}

const dir = await mkdtemp(path.join(tmpdir(), 'facegate-bench-'));
if (SERVER === 'compiled') execFileSync('npm', ['run', 'build'], { cwd: apiDir, stdio: ['ignore', 'ignore', 'inherit'] });
// BENCH_NODE_ARGS: extra Node options for the API process, e.g. --cpu-prof.
const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
const serverCommand = serverProcess(SERVER);
const server = spawn(process.execPath, [...nodeArgs, ...serverCommand.args], {
  cwd: apiDir,
  env: {
    ...process.env,
    ...serverCommand.env,
    DATABASE_URL: `file:${path.join(dir, 'bench.db')}`,
    PORT: String(PORT),
    FACEGATE_ADMIN_EMAIL: 'bench@facegate.test',
    FACEGATE_ADMIN_PASSWORD: 'bench password 1',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
server.stdout.resume();
server.once('exit', (code) => {
  if (code !== null && code !== 0) console.error(`server exited with ${code}`);
});
// Ready when /readyz says so: database, migrations, every worker with its models.
for (const deadline = Date.now() + 180_000; ;) {
  const ready = await fetch(`http://127.0.0.1:${PORT}/readyz`).then(
    (r) => r.ok,
    () => false,
  );
  if (ready) break;
  if (Date.now() > deadline || server.exitCode !== null) throw new Error('the API did not become ready');
  await new Promise((r) => setTimeout(r, 250));
}
const rssAfterStart =
  Number(
    (await fetch(`http://127.0.0.1:${PORT}/metrics`).then((r) => r.text())).match(/^facegate_process_resident_memory_bytes (\S+)$/m)?.[1] ??
      Number.NaN,
  ) /
  2 ** 20;

try {
  const login = await gql(
    'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { ... on MutationLoginSuccess { data { token } } } }',
    { e: 'bench@facegate.test', p: 'bench password 1' },
  );
  const admin = (login.login!.data as { token: string }).token;
  await gql('mutation { updateSettings(input: { rateLimitPerMinute: 100000 }) { __typename } }', {}, admin);
  const door = (await gql('mutation { createDoor(name: "Bench door") { ... on MutationCreateDoorSuccess { data { id } } } }', {}, admin))
    .createDoor!.data as { id: string };
  // The probe is a photo file, which the liveness check scores as uncertain (STEP_UP). The check still
  // runs, at its full cost, as at a door calibrated on its own camera: its live point just above the
  // attack point (0.1295), so that a face the check does not call an attack is decided on the face.
  await gql(
    'mutation ($d: ID!) { updateDoor(id: $d, input: { settings: { livenessLivePoint: 0.13 } }, confirmLargeChange: true) { __typename } }',
    { d: door.id },
    admin,
  );
  const key = (
    await gql(
      'mutation ($d: ID) { createApiKey(name: "bench door", scopes: [VERIFY, IDENTIFY], doorId: $d) { ... on MutationCreateApiKeySuccess { data { token } } } }',
      { d: door.id },
      admin,
    )
  ).createApiKey!.data as { token: string };
  const { people, probe } = await office();
  for (const person of people) {
    const created = (
      await gql(
        'mutation ($n: String!) { createPerson(input: { name: $n }) { ... on MutationCreatePersonSuccess { data { id } } } }',
        { n: person.name },
        admin,
      )
    ).createPerson!.data as { id: string };
    await upload(
      'mutation ($id: ID!, $images: [File!]!) { enrollFaces(personId: $id, images: $images) { __typename } }',
      { id: created.id, images: [null] },
      { variable: 'images.0', bytes: person.bytes, name: `${person.name}.jpg` },
      admin,
    );
  }

  const verify =
    'mutation ($input: VerifyFaceInput!) { verifyFace(input: $input) { __typename ... on MutationVerifyFaceSuccess { data { accepted decision } } ... on Error { code } } }';
  // How the requests were answered: a decision (ACCEPTED, STEP_UP, REFUSED) or a typed error's code.
  const answers: Record<string, number> = {};
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  const end = Date.now() + SECONDS * 1000;
  const serverBefore = processFigures(server.pid!);
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  /** One door request, timed from `t` (when it was due). */
  const attempt = async (t: number) => {
    sent++;
    try {
      const result = await upload(
        verify,
        { input: { name: probe.name, image: null } },
        { variable: 'input.image', bytes: probe.bytes, name: 'camera.jpg' },
        key.token,
      );
      const answer = result.data?.verifyFace as
        { __typename: string; data?: { accepted: boolean; decision: string }; code?: string } | undefined;
      const how = answer?.data?.decision ?? answer?.code ?? 'GRAPHQL_ERROR';
      answers[how] = (answers[how] ?? 0) + 1;
      // The probe is the enrolled person: anything but an acceptance is an error of the door.
      if (result.errors || !answer?.data?.accepted) errors++;
    } catch {
      answers.NETWORK_ERROR = (answers.NETWORK_ERROR ?? 0) + 1;
      errors++;
    }
    latencies.push(performance.now() - t);
  };
  if (RATE === null) {
    // Closed loop: CLIENTS doors, each sending its next frame when the last is answered.
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (Date.now() < end) await attempt(performance.now());
      }),
    );
  } else {
    // Open loop: arrivals at RATE per second (exponential gaps), whatever the answers; then the last ones' answers.
    const inFlight = new Set<Promise<void>>();
    for (let due = performance.now(); Date.now() < end; due += -Math.log(1 - Math.random()) * (1000 / RATE)) {
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const request = attempt(due).finally(() => inFlight.delete(request));
      inFlight.add(request);
    }
    await Promise.all(inFlight);
  }
  const elapsed = (performance.now() - started) / 1000;
  const serverAfter = processFigures(server.pid!);
  const clientCpu = process.cpuUsage(clientBefore);
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  const events = await gql('{ recognitionEvents(filter: { kind: VERIFY }) { totalCount } }', {}, admin);
  // The database's encoder (a new one: int8 where the CPU runs it, else float32; FACEGATE_ENCODER_PRECISION chooses).
  const encoder = ((await gql('{ settings { model } }', {}, admin)).settings as unknown as { model: string }).model;
  const auditRows = (events.recognitionEvents as unknown as { totalCount: number }).totalCount;
  console.log(
    JSON.stringify({
      mode: RATE === null ? 'closed loop' : 'open loop',
      offeredRate: RATE,
      clients: RATE === null ? CLIENTS : null,
      seconds: Number(elapsed.toFixed(1)),
      requests: sent,
      requestsPerSecond: Number((sent / elapsed).toFixed(1)),
      p50Ms: Number(at(0.5).toFixed(1)),
      p99Ms: Number(at(0.99).toFixed(1)),
      errors,
      answers,
      auditRows,
      auditRowsEqualRequests: auditRows === sent,
      probe: probe.name,
      probeBytes: probe.bytes.length,
      apiRssAfterStartMb: Math.round(rssAfterStart),
      apiRssAfterRunMb: Math.round(serverAfter.rssMb),
      apiPeakRssMb: Math.round(serverAfter.peakRssMb),
      apiCpuMsPerRequest: Number(((serverAfter.cpuMs - serverBefore.cpuMs) / sent).toFixed(1)),
      apiMainThreadCpuMsPerRequest: Number(((serverAfter.mainThreadCpuMs - serverBefore.mainThreadCpuMs) / sent).toFixed(1)),
      clientCpuMsPerRequest: Number(((clientCpu.user + clientCpu.system) / 1000 / sent).toFixed(1)),
      server: SERVER,
      recognizerThreads: process.env.FACEGATE_RECOGNIZER_THREADS ?? 'cores',
      onnxThreads: process.env.FACEGATE_ONNX_THREADS ?? '1',
      encoder,
      mallocMmapThreshold: serverCommand.env.MALLOC_MMAP_THRESHOLD_ ?? 'glibc default',
    }),
  );
} finally {
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  await rm(dir, { recursive: true, force: true });
}
