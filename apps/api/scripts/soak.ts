// npm run soak: the API under a steady 80 % of its measured capacity for SOAK_SECONDS (default 600).
//
// Starts the API on a fresh SQLite file, enrols the office (as bench:api does), measures capacity
// (CAPACITY_SECONDS of door clients verifying back to back; or SOAK_CAPACITY requests/s given), then
// sends requests open-loop at SOAK_LOAD (0.8) of it: verify 55 %, identify 30 %, audit reads 10 %,
// enrolment 5 % (a new visitor enrolled from another photo), an administrator erasing the visitors
// enrolled so far every SOAK_ERASE_SECONDS (60) and changing settings every 15 s. Reports errors (any answer but a success, any
// transport failure, any request that could not start because SOAK_MAX_IN_FLIGHT were in flight),
// audit events written during the soak against the door attempts made, p50/p99 latency per operation,
// and the API's RSS (start, end, growth, and the slope of a line through the samples of the second half).
// Prints one JSON line at the end.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { facesDir, packageDir } from '@facegate/face-core';
import sharp from 'sharp';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const LOAD = Number(process.env.SOAK_LOAD ?? 0.8);
const CAPACITY_SECONDS = Number(process.env.CAPACITY_SECONDS ?? 30);
const CAPACITY_CLIENTS = Number(process.env.CAPACITY_CLIENTS ?? 16);
const ERASE_SECONDS = Number(process.env.SOAK_ERASE_SECONDS ?? 60);
const MAX_IN_FLIGHT = Number(process.env.SOAK_MAX_IN_FLIGHT ?? 64);
const PORT = Number(process.env.SOAK_PORT ?? 4620);
const BASE = `http://127.0.0.1:${PORT}`;
const log = (line: unknown) => process.stderr.write(`${typeof line === 'string' ? line : JSON.stringify(line)}\n`);

type Body = { data?: Record<string, { __typename?: string; data?: Record<string, unknown> } & Record<string, unknown>>; errors?: unknown };

async function gql(query: string, variables: Record<string, unknown>, token?: string): Promise<Body> {
  const response = await fetch(`${BASE}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as Body;
}

async function upload(query: string, variables: Record<string, unknown>, files: { variable: string; bytes: Uint8Array }[], token: string): Promise<Body> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query, variables }));
  form.append('map', JSON.stringify(Object.fromEntries(files.map((f, i) => [i, [`variables.${f.variable}`]]))));
  files.forEach((f, i) => form.append(String(i), new File([new Uint8Array(f.bytes)], `${i}.jpg`)));
  const response = await fetch(`${BASE}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'graphql-require-preflight': '1' }, body: form });
  return (await response.json()) as Body;
}

async function doorFrame(file: string | Uint8Array): Promise<Uint8Array> {
  const face = await sharp(file).resize(480, 480, { fit: 'cover' }).toBuffer();
  return new Uint8Array(await sharp(face).extend({ left: 80, right: 80, background: '#6b6f74' }).jpeg({ quality: 85 }).toBuffer());
}

/** The office (seed photos and Colin Powell from LFW), visitors (other LFW people), or face-api's sample faces. */
async function faces() {
  const seed = path.join(facesDir(), 'seed');
  const lfw = path.join(facesDir(), 'lfw-view1');
  if (existsSync(seed) && existsSync(path.join(lfw, 'Colin_Powell'))) {
    const names = ['andrew', 'arnaud', 'benoit', 'bertrand', 'dan', 'danielle', 'felix', 'kevin', 'kian', 'sebastiano', 'tian', 'younes'];
    const people = await Promise.all(names.map(async (name) => ({ name, bytes: new Uint8Array(await readFile(path.join(seed, name === 'danielle' ? 'danielle.png' : `${name}.jpg`))) })));
    const [enrolled, probe] = (await readdir(path.join(lfw, 'Colin_Powell'))).sort();
    people.push({ name: 'Colin Powell', bytes: new Uint8Array(await readFile(path.join(lfw, 'Colin_Powell', enrolled!))) });
    const visitors: Uint8Array[] = [];
    for (const name of ['Alicia_Keys', 'Allen_Iverson', 'Alison_Lohman', 'Alina_Kabaeva']) {
      const dir = path.join(lfw, name);
      if (existsSync(dir)) visitors.push(new Uint8Array(await readFile(path.join(dir, (await readdir(dir)).sort()[0]!))));
    }
    return { people, probe: { name: 'Colin Powell', bytes: await doorFrame(path.join(lfw, 'Colin_Powell', probe!)) }, visitors };
  }
  const sample = path.join(packageDir('@vladmandic/face-api'), 'demo', 'sample2.jpg');
  const bytes = new Uint8Array(await sharp(sample).extract({ left: 1300, top: 40, width: 500, height: 500 }).jpeg().toBuffer());
  return { people: [{ name: 'sample', bytes }], probe: { name: 'sample', bytes: await doorFrame(bytes) }, visitors: [bytes] };
}

async function rssMb(): Promise<number> {
  const text = await fetch(`${BASE}/metrics`).then((r) => r.text());
  return Number(text.match(/^facegate_process_resident_memory_bytes (\S+)$/m)?.[1]) / 2 ** 20;
}

const pct = (list: number[], p: number) => {
  if (list.length === 0) return null;
  const sorted = [...list].sort((a, b) => a - b);
  return Number(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!.toFixed(1));
};

const dir = await mkdtemp(path.join(tmpdir(), 'facegate-soak-'));
const server = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
  cwd: path.join(import.meta.dirname, '..'),
  env: { ...process.env, DATABASE_URL: `file:${path.join(dir, 'soak.db')}`, PORT: String(PORT), FACEGATE_ADMIN_EMAIL: 'soak@facegate.test', FACEGATE_ADMIN_PASSWORD: 'soak password 1 long', FACEGATE_LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
let serverExit: number | null = null;
server.once('exit', (code) => {
  serverExit = code ?? -1;
});
try {
  for (const deadline = Date.now() + 180_000; ; ) {
    if (await fetch(`${BASE}/readyz`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline || serverExit !== null) throw new Error('the API did not become ready');
    await new Promise((r) => setTimeout(r, 250));
  }
  const admin = ((await gql('mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { ... on MutationLoginSuccess { data { token } } } }', { e: 'soak@facegate.test', p: 'soak password 1 long' })).data!.login!.data as { token: string }).token;
  const limits = await gql('mutation { updateSettings(input: { rateLimitPerMinute: 100000 }) { __typename } }', {}, admin);
  if (limits.data?.updateSettings?.__typename !== 'MutationUpdateSettingsSuccess') throw new Error(`could not raise the rate limit: ${JSON.stringify(limits)}`);
  const door = (await gql('mutation { createDoor(name: "Soak door") { ... on MutationCreateDoorSuccess { data { id } } } }', {}, admin)).data!.createDoor!.data as { id: string };
  const key = ((await gql('mutation ($d: ID) { createApiKey(name: "soak door", scopes: [VERIFY, IDENTIFY], doorId: $d) { ... on MutationCreateApiKeySuccess { data { token } } } }', { d: door.id }, admin)).data!.createApiKey!.data as { token: string }).token;
  const { people, probe, visitors } = await faces();
  for (const person of people) {
    const created = (await gql('mutation ($n: String!) { createPerson(input: { name: $n }) { ... on MutationCreatePersonSuccess { data { id } } } }', { n: person.name }, admin)).data!.createPerson!.data as { id: string };
    await upload('mutation ($id: ID!, $images: [File!]!) { enrollFaces(personId: $id, images: $images) { __typename } }', { id: created.id, images: [null] }, [{ variable: 'images.0', bytes: person.bytes }], admin);
  }

  const verifyQuery = 'mutation ($input: VerifyFaceInput!) { verifyFace(input: $input) { __typename } }';
  const identifyQuery = 'mutation ($image: File!) { identifyFace(image: $image) { __typename } }';
  const verify = () => upload(verifyQuery, { input: { name: probe.name, image: null } }, [{ variable: 'input.image', bytes: probe.bytes }], key);
  /** Failures by what the API answered (a typed error's name, or "errors"). */
  const failures: Record<string, number> = {};
  const ok = (body: Body, field: string) => {
    const success = !body.errors && (body.data?.[field]?.__typename ?? '').endsWith('Success');
    if (!success) {
      const what = `${field}:${body.errors ? 'errors' : (body.data?.[field]?.__typename ?? 'no data')}`;
      failures[what] = (failures[what] ?? 0) + 1;
    }
    return success;
  };

  const countEvents = async () => ((await gql('{ recognitionEvents { totalCount } }', {}, admin)).data!.recognitionEvents as unknown as { totalCount: number }).totalCount;
  const latency: Record<string, number[]> = { verify: [], identify: [], audit: [], enrol: [], erase: [], settings: [] };
  const errors: Record<string, number> = {};
  const sent: Record<string, number> = {};
  let doorAttempts = 0;
  /** When each request ran (seconds from the soak's start): to tell what slow requests overlapped. */
  const spans: { op: string; from: number; to: number }[] = [];
  let soakStart = performance.now();
  let inFlight = 0;
  let visitorIndex = 0;
  let enrolling: Promise<boolean> = Promise.resolve(true);
  const run = async (op: string, call: () => Promise<boolean>) => {
    sent[op] = (sent[op] ?? 0) + 1;
    if (inFlight >= MAX_IN_FLIGHT) {
      errors[`${op}:overloaded`] = (errors[`${op}:overloaded`] ?? 0) + 1;
      return;
    }
    inFlight++;
    const t = performance.now();
    const from = (t - soakStart) / 1000;
    try {
      if (!(await call())) errors[op] = (errors[op] ?? 0) + 1;
    } catch {
      errors[`${op}:transport`] = (errors[`${op}:transport`] ?? 0) + 1;
    } finally {
      const ms = performance.now() - t;
      latency[op]!.push(ms);
      spans.push({ op, from, to: from + ms / 1000 });
      inFlight--;
    }
  };
  const operations: [number, string, () => Promise<boolean>][] = [
    [0.55, 'verify', async () => (doorAttempts++, ok(await verify(), 'verifyFace'))],
    [0.3, 'identify', async () => (doorAttempts++, ok(await upload(identifyQuery, { image: null }, [{ variable: 'image', bytes: probe.bytes }], key), 'identifyFace'))],
    [0.1, 'audit', async () => !(await gql('{ recognitionEvents(first: 20) { totalCount edges { node { id decision reason distance } } } }', {}, admin)).errors],
    [
      0.05,
      'enrol',
      // One enrolment at a time (each erases the previous visitor).
      () => (enrolling = enrolling.then(enrolVisitor, enrolVisitor)),
    ],
  ];
  const enrolledVisitors: string[] = [];
  async function enrolVisitor(): Promise<boolean> {
    const n = visitorIndex++;
    const created = await gql('mutation ($n: String!) { createPerson(input: { name: $n }) { __typename ... on MutationCreatePersonSuccess { data { id } } } }', { n: `Visitor ${n}` }, admin);
    if (!ok(created, 'createPerson')) return false;
    const id = (created.data!.createPerson!.data as { id: string }).id;
    enrolledVisitors.push(id);
    const enrolled = await upload('mutation ($id: ID!, $images: [File!]!) { enrollFaces(personId: $id, images: $images, allowDuplicates: true) { __typename ... on MutationEnrollFacesSuccess { data { enrolled { id } } } } }', { id, images: [null] }, [{ variable: 'images.0', bytes: visitors[n % visitors.length]! }], admin);
    return ok(enrolled, 'enrollFaces') && ((enrolled.data!.enrollFaces!.data as { enrolled: unknown[] }).enrolled.length === 1);
  }
  /** Erases the visitors enrolled so far (but the last, whose enrolment may be under way). */
  async function eraseVisitors(): Promise<boolean> {
    const erase = enrolledVisitors.splice(0, Math.max(0, enrolledVisitors.length - 1));
    let all = true;
    for (const id of erase) all = ok(await gql('mutation ($id: ID!) { deletePerson(id: $id) { __typename } }', { id }, admin), 'deletePerson') && all;
    return all;
  }
  const pick = () => {
    let at = Math.random();
    return operations.find(([share]) => (at -= share) < 0) ?? operations[0]!;
  };

  // Capacity: clients sending the same mix back to back (closed loop).
  let capacity = Number(process.env.SOAK_CAPACITY ?? 0);
  let capacityRun: Record<string, unknown> = { given: true };
  if (!capacity) {
    let done = 0;
    let failed = 0;
    const end = Date.now() + CAPACITY_SECONDS * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CAPACITY_CLIENTS }, async () => {
        while (Date.now() < end) {
          const [, , call] = pick();
          if (await call().catch(() => false)) done++;
          else failed++;
        }
      }),
    );
    capacity = done / ((performance.now() - started) / 1000);
    capacityRun = { clients: CAPACITY_CLIENTS, seconds: CAPACITY_SECONDS, requestsPerSecond: Number(capacity.toFixed(1)), failed, failures: { ...failures } };
    for (const k of Object.keys(failures)) delete failures[k];
  }
  const rate = capacity * LOAD;
  log({ capacity: capacityRun, soakRate: Number(rate.toFixed(1)), seconds: SECONDS });
  const eventsBefore = await countEvents();
  doorAttempts = 0;

  const pending = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  const rss: { s: number; mb: number }[] = [{ s: 0, mb: await rssMb() }];
  const started = performance.now();
  soakStart = started;
  const elapsed = () => (performance.now() - started) / 1000;
  const eraseTimer = setInterval(() => track(run('erase', () => (enrolling = enrolling.then(eraseVisitors, eraseVisitors)))), ERASE_SECONDS * 1000);
  let settingsToggle = false;
  const settingsTimer = setInterval(() => {
    settingsToggle = !settingsToggle;
    track(run('settings', async () => ok(await gql('mutation ($d: Int!) { updateSettings(input: { auditImageRetentionDays: $d }) { __typename } }', { d: settingsToggle ? 91 : 90 }, admin), 'updateSettings')));
  }, 15_000);
  const rssTimer = setInterval(() => void rssMb().then((mb) => rss.push({ s: elapsed(), mb }), () => undefined), 10_000);
  // Open loop: requests start on schedule whether or not earlier ones have answered.
  for (let i = 0; elapsed() < SECONDS; i++) {
    const due = (i / rate) * 1000;
    const wait = due - (performance.now() - started);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const [, op, call] = pick();
    track(run(op, call));
  }
  clearInterval(settingsTimer);
  clearInterval(eraseTimer);
  clearInterval(rssTimer);
  await Promise.all(pending);
  const seconds = elapsed();
  rss.push({ s: seconds, mb: await rssMb() });
  const eventsDuring = (await countEvents()) - eventsBefore;

  // A straight line through the second half's RSS samples: MB per minute.
  const half = rss.filter((r) => r.s >= seconds / 2);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const mx = mean(half.map((r) => r.s));
  const my = mean(half.map((r) => r.mb));
  const slope = half.reduce((a, r) => a + (r.s - mx) * (r.mb - my), 0) / (half.reduce((a, r) => a + (r.s - mx) ** 2, 0) || 1);
  const all = Object.values(latency).flat();
  const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
  const startMb = rss[0]!.mb;
  const erasures = spans.filter((x) => x.op === 'erase');
  const slow = spans.filter((x) => x.op !== 'erase' && x.op !== 'enrol' && x.to - x.from > 2);
  const overlapping = slow.filter((x) => erasures.some((e) => e.from < x.to && x.from < e.to)).length;
  const endMb = rss.at(-1)!.mb;
  console.log(
    JSON.stringify({
      seconds: Number(seconds.toFixed(1)),
      capacity: capacityRun,
      load: LOAD,
      targetRate: Number(rate.toFixed(1)),
      achievedRate: Number((Object.values(sent).reduce((a, b) => a + b, 0) / seconds).toFixed(1)),
      sent,
      errors: errorCount,
      errorsBy: errors,
      failures,
      doorAttempts,
      auditEvents: eventsDuring,
      auditEventsEqualAttempts: eventsDuring === doorAttempts,
      p50Ms: pct(all, 0.5),
      p99Ms: pct(all, 0.99),
      slowDoorAndAuditRequests: { over2s: slow.length, overlappingAnErasure: overlapping, erasureSeconds: erasures.map((e) => [Number(e.from.toFixed(1)), Number((e.to - e.from).toFixed(1))]) },
      byOperation: Object.fromEntries(Object.entries(latency).map(([op, list]) => [op, { n: list.length, p50Ms: pct(list, 0.5), p99Ms: pct(list, 0.99) }])),
      rssMb: { start: Math.round(startMb), end: Math.round(endMb), max: Math.round(Math.max(...rss.map((r) => r.mb))), growthPercent: Number((((endMb - startMb) / startMb) * 100).toFixed(1)), secondHalfSlopeMbPerMin: Number((slope * 60).toFixed(2)), samples: rss.length },
    }),
  );
} finally {
  server.kill('SIGTERM');
  await new Promise((resolve) => (serverExit !== null ? resolve(null) : server.once('exit', resolve)));
  await rm(dir, { recursive: true, force: true });
}
