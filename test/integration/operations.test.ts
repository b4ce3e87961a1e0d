import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces } from '@facegate/face-core';
import { createApp } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { createLogger, startHttpServer, type HttpServer } from '@facegate/api/ops';

const seed = path.join(facesDir(), 'seed');
const ADMIN = { email: 'admin@facegate.test', password: 'correct horse battery' };

// Operations over real HTTP: health, readiness, Prometheus metrics, JSON logs, graceful shutdown.
describe.skipIf(!hasFaces('seed'))(`operations endpoints, logs and shutdown (needs ${seed})`, () => {
  let dir: string;
  let http: HttpServer;
  let base: string;
  let token: string;
  const lines: string[] = [];

  const gql = async (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    (
      await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        body: JSON.stringify({ query, variables }),
      })
    ).json() as Promise<{ data: Record<string, any> }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const identify = async (file: string, requestId?: string) => {
    const form = new FormData();
    form.append(
      'operations',
      JSON.stringify({
        query:
          'mutation ($image: File!) { identifyFace(image: $image) { __typename ... on MutationIdentifyFaceSuccess { data { decision } } } }',
        variables: { image: null },
      }),
    );
    form.append('map', JSON.stringify({ 0: ['variables.image'] }));
    form.append('0', new File([await readFile(file)], path.basename(file)));
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'graphql-require-preflight': '1', ...(requestId ? { 'x-request-id': requestId } : {}) },
      body: form,
    });
    return {
      status: response.status,
      requestId: response.headers.get('x-request-id'),
      body: (await response.json()) as { data?: { identifyFace: { __typename: string; data?: { decision: string } } } },
    };
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'facegate-ops-'));
    const logger = createLogger({
      level: 'info',
      destination: new Writable({ write: (chunk, _, done) => (lines.push(...String(chunk).split('\n').filter(Boolean)), done()) }),
    });
    const config = loadConfig({
      DATABASE_URL: `file:${path.join(dir, 'facegate.db')}`,
      FACEGATE_ADMIN_EMAIL: ADMIN.email,
      FACEGATE_ADMIN_PASSWORD: ADMIN.password,
      FACEGATE_RECOGNIZER_THREADS: '1',
    });
    http = startHttpServer({ host: '127.0.0.1', port: 0, logger }, async () => {
      const app = await createApp(config, { logger });
      // The tests send photo files, not camera frames: liveness off, as the README says such a door sets it.
      await app.services.updateSettings({ liveness: 'off' });
      return app;
    });
    base = `http://127.0.0.1:${await http.listening}`;
  });
  afterAll(async () => {
    await http?.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });

  it('answers /healthz at once, and /readyz only when the database, migrations and every worker are up', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const early = await fetch(`${base}/readyz`);
    if (early.status === 503) expect((await early.json()).ready).toBe(false);
    const deadline = Date.now() + 120_000;
    let ready: Response;
    while ((ready = await fetch(`${base}/readyz`)).status !== 200 && Date.now() < deadline) await promisify(setTimeout)(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { database: true, migrations: true, workers: '1/1' } });
  });

  it('counts decisions, stage and audit latencies, queue depth and gallery size in Prometheus metrics', async () => {
    token = (
      await gql(
        `mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { ... on MutationLoginSuccess { data { token } } } }`,
        { e: ADMIN.email, p: ADMIN.password },
      )
    ).data.login.data.token;
    const app = http.app()!;
    const person = await app.services.people.create({ name: 'younes' });
    await app.services.people.enroll(person.id, [
      { filename: 'younes.jpg', bytes: new Uint8Array(await readFile(path.join(seed, 'younes.jpg'))) },
    ]);
    expect((await identify(path.join(seed, 'camera_0.jpg'))).body.data!.identifyFace.data!.decision).toBe('ACCEPTED');
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/facegate_decisions_total\{kind="identify",door="none",decision="accepted",reason="match"\} 1/);
    expect(text).toMatch(/facegate_stage_seconds_count\{stage="encode"\} [1-9]/);
    expect(text).toMatch(/facegate_audit_write_seconds_count [1-9]/);
    expect(text).toMatch(/facegate_graphql_operations_total\{operation="identifyFace"\} 1/);
    expect(text).toMatch(/facegate_recognizer_queue_depth 0/);
    expect(text).toMatch(/facegate_gallery_people 1/);
    expect(text).toMatch(/facegate_process_resident_memory_bytes/);
  });

  it('logs one JSON line per operation with the request id, never a token, password or face', async () => {
    const { requestId } = await identify(path.join(seed, 'camera_0.jpg'), 'door-7-attempt-42');
    expect(requestId).toBe('door-7-attempt-42');
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(
      parsed.some(
        (l) => l.reqId === 'door-7-attempt-42' && l.operation === 'identifyFace' && typeof l.ms === 'number' && l.caller === 'admin',
      ),
    ).toBe(true);
    expect(parsed.some((l) => l.operation === 'login')).toBe(true);
    const all = lines.join('\n');
    for (const secret of [token, ADMIN.password, 'data:image', '/9j/']) expect(all.includes(secret), secret).toBe(false);
  });

  it('shuts down gracefully: attempts in flight are answered and audited, then it stops', async () => {
    const app = http.app()!;
    const before = await app.db.prisma.recognitionEvent.count();
    const attempts = [0, 1, 3].map((n) => identify(path.join(seed, `camera_${n}.jpg`)));
    // Once the three requests are being answered, close: they must still be answered and audited.
    while (http.inFlight() < 3) await promisify(setTimeout)(2);
    const closed = http.close();
    const late = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ __typename }"}',
    }).then(
      (r) => r.status,
      () => 'refused',
    );
    const answers = await Promise.all(attempts);
    await closed;
    // A request that arrives after shutdown began is not let in.
    expect([503, 'refused']).toContain(late);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers.every((a) => a.body.data?.identifyFace.__typename === 'MutationIdentifyFaceSuccess')).toBe(true);
    // The database is closed with the app: count through a fresh connection.
    const { createDb } = await import('@facegate/api/db');
    const db = createDb({ databaseUrl: `file:${path.join(dir, 'facegate.db')}` });
    expect(await db.prisma.recognitionEvent.count()).toBe(before + 3);
    await db.close();
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});
