// What the soak and bench:erasure share: the API started on a fresh SQLite file, a site set up over
// HTTP (an administrator, a door and its key, the office enrolled) and the requests they send.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { facesDir, packageDir } from '@facegate/face-core';
import sharp from 'sharp';

export type Body = {
  data?: Record<string, { __typename?: string; data?: Record<string, unknown> } & Record<string, unknown>>;
  errors?: unknown;
};

export const log = (line: unknown) => process.stderr.write(`${typeof line === 'string' ? line : JSON.stringify(line)}\n`);

/** The value at quantile p (0-1) of a list, to 0.1. */
export const pct = (list: number[], p: number) => {
  if (list.length === 0) return null;
  const sorted = [...list].sort((a, b) => a - b);
  return Number(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!.toFixed(1));
};

/** The machine's load average (1, 5, 15 minutes): every figure is printed with it. */
export const loadAverage = async () => (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).map(Number);

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
    const people = await Promise.all(
      names.map(async (name) => ({
        name,
        bytes: new Uint8Array(await readFile(path.join(seed, name === 'danielle' ? 'danielle.png' : `${name}.jpg`))),
      })),
    );
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

/**
 * Starts the API (sources, through tsx) on a fresh SQLite file at `port`, waits until ready, and sets up
 * a site: an administrator, a door with its key, the rate limit out of the way, the office enrolled.
 */
export async function startSite(port: number, name: string) {
  const base = `http://127.0.0.1:${port}`;
  const dir = await mkdtemp(path.join(tmpdir(), `facegate-${name}-`));
  const database = path.join(dir, `${name}.db`);
  const email = `${name}@facegate.test`;
  const password = `${name} password 1 long`;
  const server = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: path.join(import.meta.dirname, '..'),
    env: {
      ...process.env,
      DATABASE_URL: `file:${database}`,
      PORT: String(port),
      FACEGATE_ADMIN_EMAIL: email,
      FACEGATE_ADMIN_PASSWORD: password,
      FACEGATE_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let serverExit: number | null = null;
  server.once('exit', (code) => {
    serverExit = code ?? -1;
  });
  const stop = async () => {
    server.kill('SIGTERM');
    await new Promise((resolve) => (serverExit !== null ? resolve(null) : server.once('exit', resolve)));
    await rm(dir, { recursive: true, force: true });
  };

  async function gql(query: string, variables: Record<string, unknown>, token?: string): Promise<Body> {
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as Body;
  }
  async function upload(
    query: string,
    variables: Record<string, unknown>,
    files: { variable: string; bytes: Uint8Array }[],
    token: string,
  ): Promise<Body> {
    const form = new FormData();
    form.append('operations', JSON.stringify({ query, variables }));
    form.append('map', JSON.stringify(Object.fromEntries(files.map((f, i) => [i, [`variables.${f.variable}`]]))));
    files.forEach((f, i) => form.append(String(i), new File([new Uint8Array(f.bytes)], `${i}.jpg`)));
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'graphql-require-preflight': '1' },
      body: form,
    });
    return (await response.json()) as Body;
  }
  const rssMb = async () =>
    Number((await fetch(`${base}/metrics`).then((r) => r.text())).match(/^facegate_process_resident_memory_bytes (\S+)$/m)?.[1]) / 2 ** 20;

  try {
    for (const deadline = Date.now() + 180_000; ;) {
      if (
        await fetch(`${base}/readyz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (Date.now() > deadline || serverExit !== null) throw new Error('the API did not become ready');
      await new Promise((r) => setTimeout(r, 250));
    }
    const admin = (
      (
        await gql(
          'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { ... on MutationLoginSuccess { data { token } } } }',
          { e: email, p: password },
        )
      ).data!.login!.data as { token: string }
    ).token;
    const limits = await gql('mutation { updateSettings(input: { rateLimitPerMinute: 100000 }) { __typename } }', {}, admin);
    if (limits.data?.updateSettings?.__typename !== 'MutationUpdateSettingsSuccess')
      throw new Error(`could not raise the rate limit: ${JSON.stringify(limits)}`);
    const door = (await gql('mutation { createDoor(name: "Door") { ... on MutationCreateDoorSuccess { data { id } } } }', {}, admin)).data!
      .createDoor!.data as { id: string };
    const key = (
      (
        await gql(
          'mutation ($d: ID) { createApiKey(name: "door", scopes: [VERIFY, IDENTIFY], doorId: $d) { ... on MutationCreateApiKeySuccess { data { token } } } }',
          { d: door.id },
          admin,
        )
      ).data!.createApiKey!.data as { token: string }
    ).token;
    const { people, probe, visitors } = await faces();
    for (const person of people) {
      const created = (
        await gql(
          'mutation ($n: String!) { createPerson(input: { name: $n }) { ... on MutationCreatePersonSuccess { data { id } } } }',
          { n: person.name },
          admin,
        )
      ).data!.createPerson!.data as { id: string };
      await upload(
        'mutation ($id: ID!, $images: [File!]!) { enrollFaces(personId: $id, images: $images) { __typename } }',
        { id: created.id, images: [null] },
        [{ variable: 'images.0', bytes: person.bytes }],
        admin,
      );
    }
    return { gql, upload, rssMb, stop, admin, door, key, probe, visitors, database };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The answer is the field's success (no GraphQL error, a `...Success` type). */
export const succeeded = (body: Body, field: string) => !body.errors && (body.data?.[field]?.__typename ?? '').endsWith('Success');
