// Cross-site request forgery, CORS, and what lies on disk, as an attacker would probe them over HTTP.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';

const ROOT = { email: 'root@facegate.test', password: 'root password 123' };
const DASHBOARD = 'http://127.0.0.1:3000';

async function listen(app: App): Promise<{ server: Server; url: string }> {
  const server = createServer(app.yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/graphql` };
}

const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);

describe('CSRF and CORS', () => {
  let app: App;
  let server: Server;
  let url: string;
  let dir: string;
  let token: string;
  const doorNames = async () => (await app.services.access.doors.list()).map((d) => d.name);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'facegate-csrf-'));
    app = await createApp(
      loadConfig({
        DATABASE_URL: `file:${path.join(dir, 'facegate.db')}`,
        FACEGATE_ADMIN_EMAIL: ROOT.email,
        FACEGATE_ADMIN_PASSWORD: ROOT.password,
        FACEGATE_RECOGNIZER_THREADS: '1',
      }),
    );
    // The tests send photo files, not camera frames: liveness off, as the README says such a door sets it.
    await app.services.updateSettings({ liveness: 'off' });
    ({ server, url } = await listen(app));
    token = (await app.services.admins.login(ROOT.email, ROOT.password)).token;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const createDoor = (name: string) => `mutation { createDoor(name: "${name}") { __typename } }`;

  it('a form-encoded POST with the admin credentials is refused and does not run', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: createDoor('csrf-form') }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe(
      'CSRF_PREFLIGHT_REQUIRED',
    );
    expect(await doorNames()).not.toContain('csrf-form');
  });

  it('a multipart POST without GraphQL-Require-Preflight is refused and does not run; with it, it runs', async () => {
    const form = () => {
      const body = new FormData();
      body.append('operations', JSON.stringify({ query: createDoor('csrf-multipart') }));
      body.append('map', '{}');
      return body;
    };
    const refused = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form() });
    expect(refused.status).toBe(400);
    expect(await doorNames()).not.toContain('csrf-multipart');
    const allowed = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'graphql-require-preflight': '1' },
      body: form(),
    });
    expect(allowed.status).toBe(200);
    expect(await doorNames()).toContain('csrf-multipart');
  });

  it('a text/plain POST (what a cross-site fetch may send without preflight) is refused; a JSON POST runs', async () => {
    const plain = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
      body: JSON.stringify({ query: createDoor('csrf-text') }),
    });
    expect(plain.status).toBe(400);
    expect(await doorNames()).not.toContain('csrf-text');
    const json = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: createDoor('json-door') }),
    });
    expect(json.status).toBe(200);
    expect(await doorNames()).toContain('json-door');
  });

  it('a mutation over GET does not run', async () => {
    const response = await fetch(`${url}?query=${encodeURIComponent(createDoor('csrf-get'))}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(405);
    expect(await doorNames()).not.toContain('csrf-get');
  });

  it('CORS answers only the configured origins, never `*`; other origins are refused', async () => {
    const preflight = (origin: string) =>
      fetch(url, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
      });
    const good = await preflight(DASHBOARD);
    expect(good.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    expect(good.headers.get('access-control-allow-credentials')).toBe('true');
    const localhost = await preflight('http://localhost:3000');
    expect(localhost.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    const evil = await preflight('https://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    expect(evil.headers.get('access-control-allow-credentials')).toBeNull();
    // Even a request a browser would send without asking: refused before it runs.
    const post = await fetch(url, {
      method: 'POST',
      headers: {
        origin: 'https://evil.example',
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'graphql-require-preflight': '1',
      },
      body: JSON.stringify({ query: createDoor('cors-evil') }),
    });
    expect(post.status).toBe(403);
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
    expect(await doorNames()).not.toContain('cors-evil');
    expect(() => loadConfig({ FACEGATE_CORS_ORIGINS: '*' })).toThrow(/not allowed/);
  });
});

describe('at rest: database and key files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'facegate-rest-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the SQLite files and the session key 0600, keeps the session secret out of the database, and sessions survive a restart', async () => {
    const db = path.join(dir, 'new', 'facegate.db');
    const config = loadConfig({
      DATABASE_URL: `file:${db}`,
      FACEGATE_ADMIN_EMAIL: ROOT.email,
      FACEGATE_ADMIN_PASSWORD: ROOT.password,
      FACEGATE_RECOGNIZER_THREADS: '1',
    });
    const app = await createApp(config);
    const { token } = await app.services.admins.login(ROOT.email, ROOT.password);
    await app.services.access.doors.create('written'); // the WAL exists now
    const key = path.join(dir, 'new', 'secret.key');
    expect({ db: mode(db), wal: mode(`${db}-wal`), shm: mode(`${db}-shm`), key: mode(key) }).toEqual({
      db: '600',
      wal: '600',
      shm: '600',
      key: '600',
    });
    const secret = readFileSync(key, 'utf8').trim();
    expect(Buffer.from(secret, 'base64')).toHaveLength(32);
    expect(await app.services.settings.reload().then(() => app.db.prisma.setting.findMany({ where: { key: 'sessionSecret' } }))).toEqual(
      [],
    );
    await app.close();
    // No copy of the key anywhere in the database's files.
    for (const file of [db, `${db}-wal`].filter((f) => existsSync(f))) {
      const bytes = readFileSync(file, { flag: 'r' });
      expect(bytes.includes(Buffer.from(secret))).toBe(false);
    }
    const again = await createApp(config);
    const response = await again.yoga.fetch('http://x/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ me { kind } }' }),
    });
    expect(await response.json()).toEqual({ data: { me: { kind: 'admin' } } });
    await again.close();
  });

  it('tightens a world-readable database left by an earlier version, and deletes the secret it held', async () => {
    const db = path.join(dir, 'old.db');
    const sqlite = new Database(db);
    sqlite.close();
    await chmod(db, 0o644);
    // An earlier version's start: migrated database holding the secret in the settings table.
    const first = await createApp(
      loadConfig({ DATABASE_URL: `file:${db}`, FACEGATE_RECOGNIZER_THREADS: '1', FACEGATE_SECRET: 'x'.repeat(40) }),
    );
    await first.db.prisma.setting.create({ data: { key: 'sessionSecret', value: JSON.stringify('old secret in the database') } });
    await first.close();
    await chmod(db, 0o644);
    const app = await createApp(loadConfig({ DATABASE_URL: `file:${db}`, FACEGATE_RECOGNIZER_THREADS: '1' }));
    expect(mode(db)).toBe('600');
    expect(await app.db.prisma.setting.findMany({ where: { key: 'sessionSecret' } })).toEqual([]);
    expect(mode(path.join(dir, 'secret.key'))).toBe('600');
    await app.close();
  });
});
