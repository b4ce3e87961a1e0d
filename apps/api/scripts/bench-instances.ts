// npm run bench:instances: two API instances on one PostgreSQL holding 100,000 people.
//
// In a schema of its own (facegate_bench_instances, dropped at the end) of BENCH_DATABASE_URL, else
// TEST_DATABASE_URL, else postgresql://facegate:facegate@127.0.0.1:5432/facegate_test: one instance
// applies the migrations and creates the administrator, then BENCH_PEOPLE synthetic people (one random
// unit encoding each, sealed with AES-256-GCM under the bench's data key exactly as the API stores
// them, with a sealed thumbnail) are inserted in bulk. Two instances then start together; the script
// measures each one's time to /readyz, its RSS, identification latency over the large gallery, and how
// long a change made on instance A (enrolment, deactivation, reactivation, deletion) takes to show in
// identifications on instance B. Prints one JSON line at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { facesDir, packageDir } from '@facegate/face-core';
import pg from 'pg';
import sharp from 'sharp';
import { encodeEncoding } from '../src/db/codecs.ts';
import { createDataCipher } from '../src/db/sealed.ts';

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 100_000);
const SCHEMA = process.env.BENCH_SCHEMA ?? 'facegate_bench_instances';
const BASE_URL =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgresql://facegate:facegate@127.0.0.1:5432/facegate_test';
const PORTS = [Number(process.env.BENCH_PORT ?? 4611), Number(process.env.BENCH_PORT ?? 4611) + 1];
const ADMIN = { email: 'bench@facegate.test', password: 'bench instances password 1' };
const log = (line: unknown) => process.stderr.write(`${typeof line === 'string' ? line : JSON.stringify(line)}\n`);

const url = new URL(BASE_URL);
url.searchParams.set('schema', SCHEMA);
const databaseUrl = url.toString();
const dataKey = randomBytes(32);
const env = {
  ...process.env,
  DATABASE_URL: databaseUrl,
  FACEGATE_DATA_KEY: dataKey.toString('base64'),
  FACEGATE_SECRET: randomBytes(32).toString('base64'),
  FACEGATE_ADMIN_EMAIL: ADMIN.email,
  FACEGATE_ADMIN_PASSWORD: ADMIN.password,
  FACEGATE_LOG_LEVEL: 'warn',
};
const apiDir = path.join(import.meta.dirname, '..');

function start(port: number): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: apiDir,
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  child.once('exit', (code) => {
    if (code !== null && code !== 0) log(`instance on ${port} exited with ${code}`);
  });
  return child;
}

async function ready(port: number, child: ChildProcess, timeoutMs = 600_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; ;) {
    if (
      await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the instance on ${port} did not become ready`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}

async function rssMb(port: number): Promise<number> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
  return Math.round(Number(text.match(/^facegate_process_resident_memory_bytes (\S+)$/m)?.[1]) / 2 ** 20);
}

async function gql(port: number, query: string, variables: Record<string, unknown>, token?: string) {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as {
    data?: Record<string, { __typename?: string; data?: Record<string, unknown> } & Record<string, unknown>>;
    errors?: unknown;
  };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!;
}

async function upload(port: number, query: string, variables: Record<string, unknown>, variable: string, bytes: Uint8Array, token: string) {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query, variables }));
  form.append('map', JSON.stringify({ 0: [`variables.${variable}`] }));
  form.append('0', new File([new Uint8Array(bytes)], 'face.jpg'));
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'graphql-require-preflight': '1' },
    body: form,
  });
  const body = (await response.json()) as {
    data?: Record<string, { __typename: string; data?: Record<string, unknown> }>;
    errors?: unknown;
  };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!;
}

/** A face photo: the exercise's seed photo when ../shared/faces is there, else one cut from face-api's samples. */
async function facePhoto(): Promise<Uint8Array> {
  const seed = path.join(facesDir(), 'seed', 'younes.jpg');
  if (existsSync(seed)) return new Uint8Array(await readFile(seed));
  const sample = path.join(packageDir('@vladmandic/face-api'), 'demo', 'sample2.jpg');
  return new Uint8Array(await sharp(sample).extract({ left: 1300, top: 40, width: 500, height: 500 }).jpeg().toBuffer());
}

function randomUnit(): Float32Array {
  const v = new Float32Array(128);
  let norm = 0;
  for (let k = 0; k < 128; k++) {
    v[k] = Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
    norm += v[k]! * v[k]!;
  }
  norm = Math.sqrt(norm);
  for (let k = 0; k < 128; k++) v[k]! /= norm;
  return v;
}

const admin = new pg.Client({ connectionString: BASE_URL });
await admin.connect();
await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
await admin.query(`CREATE SCHEMA ${SCHEMA}`);
const children: ChildProcess[] = [];
try {
  // 1. Migrations and the administrator.
  let t = performance.now();
  const first = start(PORTS[0]!);
  children.push(first);
  await ready(PORTS[0]!, first);
  const emptyStartMs = Math.round(performance.now() - t);
  await stop(first);
  children.length = 0;

  // 2. People in bulk, sealed as the API seals them, in the encoder the database took at step 1.
  const encoder = (await admin.query(`SELECT value FROM ${SCHEMA}."Setting" WHERE key = 'encoderModel'`)).rows[0]?.value as string;
  const cipher = createDataCipher(dataKey);
  const thumbnail = new Uint8Array(
    await sharp({ create: { width: 48, height: 48, channels: 3, background: '#8a7f76' } })
      .jpeg({ quality: 70 })
      .toBuffer(),
  );
  t = performance.now();
  await admin.query(`SET search_path TO ${SCHEMA}`);
  const BATCH = 5000;
  for (let from = 0; from < PEOPLE; from += BATCH) {
    const n = Math.min(BATCH, PEOPLE - from);
    const ids = Array.from({ length: n }, () => randomUUID());
    const names = ids.map((_, i) => `Synthetic ${from + i}`);
    const encodings = ids.map(() => cipher.seal(encodeEncoding(randomUnit())));
    const thumbnails = ids.map(() => cipher.seal(thumbnail));
    await admin.query(
      'INSERT INTO "Person" ("id", "name", "active", "updatedAt") SELECT id, name, true, now() FROM unnest($1::text[], $2::text[]) AS t(id, name)',
      [ids, names],
    );
    await admin.query(
      `INSERT INTO "FaceSample" ("id", "personId", "encoding", "model", "thumbnail", "detectionScore", "eyeDistancePx", "sharpness", "brightness", "updatedAt")
       SELECT s, p, e, $4, th, 0.99, 60, 20, 120, now() FROM unnest($1::text[], $2::text[], $3::bytea[], $5::bytea[]) AS t(s, p, e, th)`,
      [ids.map(() => randomUUID()), ids, encodings, encoder, thumbnails],
    );
  }
  const insertMs = Math.round(performance.now() - t);
  const tableMb = Math.round(
    Number(
      (await admin.query(`SELECT pg_total_relation_size('"FaceSample"') + pg_total_relation_size('"Person"') AS bytes`)).rows[0].bytes,
    ) /
      2 ** 20,
  );
  log({ inserted: PEOPLE, insertMs, tableMb });

  // 3. Two instances start together.
  t = performance.now();
  const a = start(PORTS[0]!);
  const b = start(PORTS[1]!);
  children.push(a, b);
  const readyMs = await Promise.all([
    ready(PORTS[0]!, a).then(() => Math.round(performance.now() - t)),
    ready(PORTS[1]!, b).then(() => Math.round(performance.now() - t)),
  ]);
  const rssAtReady = await Promise.all(PORTS.map(rssMb));
  log({ readyMs, rssAtReady });

  const login = 'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { ... on MutationLoginSuccess { data { token } } } }';
  const [tokenA, tokenB] = await Promise.all(
    PORTS.map(async (port) => ((await gql(port, login, { e: ADMIN.email, p: ADMIN.password })).login!.data as { token: string }).token),
  );
  // The bench identifies a photo file: with the liveness check on (the default) it is rightly asked for
  // a PIN (STEP_UP) and never accepted, so no change would ever show. What is measured is propagation.
  await gql(PORTS[0]!, 'mutation { updateSettings(input: { rateLimitPerMinute: 100000, liveness: OFF }) { __typename } }', {}, tokenA);
  const photo = await facePhoto();
  const identify =
    'mutation ($image: File!) { identifyFace(image: $image) { __typename ... on MutationIdentifyFaceSuccess { data { decision person { id } } } ... on Error { code } } }';
  const whoOnB = async () => {
    const result = await upload(PORTS[1]!, identify, { image: null }, 'image', photo, tokenB!);
    const data = result.identifyFace!.data as { decision: string; person: { id: string } | null } | undefined;
    return data?.decision === 'ACCEPTED' ? (data.person?.id ?? null) : null;
  };

  // Identification latency on B over the 100k gallery, before any change (the face is nobody's yet).
  const latencies: number[] = [];
  for (let i = 0; i < 20; i++) {
    const s = performance.now();
    if ((await whoOnB()) !== null) throw new Error('the face was accepted before it was enrolled');
    latencies.push(performance.now() - s);
  }
  latencies.sort((x, y) => x - y);

  /** Runs the change on A, then identifies on B back to back until `until` holds; ms from A's answer. */
  const propagation = async (change: () => Promise<void>, until: (id: string | null) => boolean) => {
    await change();
    const changed = performance.now();
    for (let attempt = 0; ; attempt++) {
      const sent = performance.now();
      const who = await whoOnB();
      if (until(who))
        return { ms: Math.round(performance.now() - changed), requestSentAfterMs: Math.round(sent - changed), attempts: attempt + 1 };
      if (performance.now() - changed > 30_000) return { ms: null, requestSentAfterMs: null, attempts: attempt + 1 };
    }
  };
  const person = (
    (
      await gql(
        PORTS[0]!,
        'mutation { createPerson(input: { name: "Bench Visitor" }) { ... on MutationCreatePersonSuccess { data { id } } } }',
        {},
        tokenA,
      )
    ).createPerson!.data as { id: string }
  ).id;
  const enrol = await propagation(
    async () => {
      const result = await upload(
        PORTS[0]!,
        'mutation ($id: ID!, $images: [File!]!) { enrollFaces(personId: $id, images: $images) { __typename } }',
        { id: person, images: [null] },
        'images.0',
        photo,
        tokenA!,
      );
      if (result.enrollFaces!.__typename !== 'MutationEnrollFacesSuccess') throw new Error(`enrolment failed: ${JSON.stringify(result)}`);
    },
    (who) => who === person,
  );
  const setActive = (active: boolean) => async () =>
    void (await gql(
      PORTS[0]!,
      'mutation ($id: ID!, $a: Boolean) { updatePerson(id: $id, input: { active: $a }) { __typename } }',
      { id: person, a: active },
      tokenA,
    ));
  const deactivate = await propagation(setActive(false), (who) => who !== person);
  const reactivate = await propagation(setActive(true), (who) => who === person);
  const erase = await propagation(
    async () => void (await gql(PORTS[0]!, 'mutation ($id: ID!) { deletePerson(id: $id) { __typename } }', { id: person }, tokenA)),
    (who) => who !== person,
  );
  const within1s = [enrol, deactivate, reactivate, erase].every((p) => p.ms !== null && p.ms <= 1000);

  // Identification on B while and after the HNSW index is built in the background (chunks between requests).
  const rounds: { afterStartS: number; p50: number; max: number; rssMbA: number; rssMbB: number }[] = [];
  const pctOf = (list: number[], p: number) =>
    Math.round([...list].sort((x, y) => x - y)[Math.min(list.length - 1, Math.floor(p * list.length))]!);
  for (let round = 0; round < 4; round++) {
    await new Promise((r) => setTimeout(r, 30_000));
    const times: number[] = [];
    for (let i = 0; i < 10; i++) {
      const s = performance.now();
      await whoOnB();
      times.push(performance.now() - s);
    }
    const [rssA, rssB] = await Promise.all(PORTS.map(rssMb));
    rounds.push({
      afterStartS: Math.round((performance.now() - t) / 1000),
      p50: pctOf(times, 0.5),
      max: pctOf(times, 1),
      rssMbA: rssA!,
      rssMbB: rssB!,
    });
    log(rounds.at(-1));
  }
  const pct = (list: number[], p: number) => Math.round(list[Math.min(list.length - 1, Math.floor(p * list.length))]!);
  console.log(
    JSON.stringify({
      people: PEOPLE,
      database: `${url.host}${url.pathname} schema ${SCHEMA}`,
      bulkInsertMs: insertMs,
      tableMb,
      emptyDatabaseStartMs: emptyStartMs,
      readyMs: { a: readyMs[0], b: readyMs[1] },
      rssMbAtReady: { a: rssAtReady[0], b: rssAtReady[1] },
      identifyOnBMsAtReady: { p50: pct(latencies, 0.5), max: pct(latencies, 1) },
      later: rounds,
      changeOnAVisibleOnB: { enrol, deactivate, reactivate, erase },
      within1s,
    }),
  );
} finally {
  for (const child of children) await stop(child);
  await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await admin.end();
}
