// The README's five-minute tour, run as written: `npm run demo` (facegate demo) on a fresh database,
// the API started on it, then each `facegate door` line the demo prints. Needs nothing from ../shared:
// the demo's photos ship inside @vladmandic/face-api, as on a fresh clone.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiProcess } from './api-process.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const bin = path.join(repoRoot, 'apps/api/bin/facegate.js');

function facegate(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    // From the repository root, where the README's commands run.
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 240_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

/** One GraphQL call over HTTP, as the README writes it; answers the string at `path` in its data. */
async function graphql(base: string, query: string, path: string, token?: string): Promise<string> {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as { data?: unknown; errors?: unknown };
  const value = path.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], body.data);
  if (typeof value !== 'string') throw new Error(`no ${path} in ${JSON.stringify(body)}`);
  return value;
}

interface Demo {
  door: { id: string; name: string };
  key: string;
  people: { name: string; card: string; created: boolean }[];
  tries: { args: string[]; expect: string }[];
}

describe("the README's tour: npm run demo, then the door lines it prints", () => {
  let dir: string;
  let databaseUrl: string;
  let api: Awaited<ReturnType<typeof startApiProcess>>;
  let demo: Demo;
  let admin: { email: string; password: string };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'facegate-demo-'));
    databaseUrl = `file:${path.join(dir, 'facegate.db')}`;
    const seeded = await facegate(['demo', '--out', path.join(dir, 'demo'), '--json'], {
      DATABASE_URL: databaseUrl,
      FACEGATE_RECOGNIZER_THREADS: '1',
    });
    expect(seeded.code, seeded.stderr).toBe(0);
    demo = JSON.parse(seeded.stdout) as Demo;
    // The demo opened the new database first: it made the first administrator and showed the password.
    const shown = /first administrator created: (\S+) \/ (\S+) \(shown once/.exec(seeded.stderr);
    expect(shown, seeded.stderr).not.toBeNull();
    admin = { email: shown![1]!, password: shown![2]! };
    api = await startApiProcess({ DATABASE_URL: databaseUrl });
  });
  afterAll(async () => {
    await api?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('enrols five people with cards, a door with liveness off (photo files) and a door key', () => {
    expect(demo.people).toHaveLength(5);
    expect(demo.people.every((p) => p.created)).toBe(true);
    expect(new Set(demo.people.map((p) => p.card)).size).toBe(5);
    expect(demo.key).toMatch(/^fg_/);
    expect(demo.tries).toHaveLength(4);
  });

  it('each printed door line answers as the demo says: the holder in, a stolen card and a stranger out', async () => {
    const results = [];
    for (const t of demo.tries) {
      const run = await facegate(['door', '--url', `${api.base}/graphql`, ...t.args], { FACEGATE_KEY: demo.key });
      results.push({ expected: t.expect, code: run.code, out: run.stdout + run.stderr });
    }
    for (const r of results) {
      const code = Number(/\(exit (\d)\)/.exec(r.expected)![1]);
      expect(r.code, `${r.expected}\n${r.out}`).toBe(code);
      if (code === 0) expect(r.out).toMatch(new RegExp(`^ACCEPTED\\s+${r.expected.split(' ')[1]}\\b`, 'm'));
      else expect(r.out).toMatch(/^REFUSED\s/m);
    }
    // The stolen card is refused as the card holder's face not matching; the stranger as nobody enrolled.
    expect(results[3]!.out).toMatch(/not_in_database|refused/);
  });

  it("the README's GraphQL lines: sign in as the administrator the demo printed, create a door and a key that a door then uses", async () => {
    const session = await graphql(
      api.base,
      `mutation { login(email: "${admin.email}", password: "${admin.password}") { ... on MutationLoginSuccess { data { token } } } }`,
      'login.data.token',
    );
    const doorId = await graphql(
      api.base,
      'mutation { createDoor(name: "Front door") { ... on MutationCreateDoorSuccess { data { id } } } }',
      'createDoor.data.id',
      session,
    );
    const key = await graphql(
      api.base,
      `mutation { createApiKey(name: "front door", scopes: [VERIFY, IDENTIFY], doorId: "${doorId}") { ... on MutationCreateApiKeySuccess { data { token } } } }`,
      'createApiKey.data.token',
      session,
    );
    // The new door has the site's liveness (on): a photo file may be refused as a photo or asked for
    // the PIN, which is the point of the check. What the key must do is reach the door and be audited.
    const run = await facegate(['door', '--url', `${api.base}/graphql`, ...demo.tries[0]!.args], { FACEGATE_KEY: key });
    expect([0, 3], run.stdout + run.stderr).toContain(run.code);
    expect(run.stdout).toMatch(/^(ACCEPTED|REFUSED|STEP_UP)\s/m);
  });

  it('records each try as one audit event, and a second demo run reuses the people with a new key', async () => {
    const again = await facegate(['demo', '--out', path.join(dir, 'demo'), '--json'], {
      DATABASE_URL: databaseUrl,
      FACEGATE_RECOGNIZER_THREADS: '1',
    });
    expect(again.code, again.stderr).toBe(0);
    const second = JSON.parse(again.stdout) as Demo;
    expect(second.people.map((p) => p.created)).toEqual([false, false, false, false, false]);
    expect(second.key).not.toBe(demo.key);
    const app = await createApp(loadConfig({ DATABASE_URL: databaseUrl, FACEGATE_RECOGNIZER_THREADS: '1' }));
    try {
      expect(await app.db.prisma.recognitionEvent.count({ where: { doorId: demo.door.id } })).toBe(4);
      expect(await app.db.prisma.person.count()).toBe(5);
    } finally {
      await app.close();
    }
  });
});
