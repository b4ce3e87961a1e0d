// Issue 23: a system that says it runs offline writes nothing outside its data directory. The API (as
// `npm start` runs it, compiled, its workers loading ONNX Runtime) and the facegate command run with a
// fresh HOME and TMPDIR and without ORT_DISABLE_TELEMETRY in their environment: no telemetry queue under
// ~/.cache/Microsoft, no /tmp/mat-debug-<pid>.log, no compile cache, nothing at all outside the data folder.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageDir } from '@facegate/face-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const apiDir = path.join(root, 'apps/api');

/** Every file and folder under `dir`, relative to it. */
function everything(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

describe('nothing written outside the data directory', () => {
  let scratch: string;
  let env: Record<string, string>;
  const pids: number[] = [];

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'facegate-litter-'));
    for (const dir of ['home', 'tmp', 'data']) await mkdir(path.join(scratch, dir));
    // Only what a service manager would give: no telemetry switch from this test's own environment.
    env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: path.join(scratch, 'home'),
      TMPDIR: path.join(scratch, 'tmp'),
      DATABASE_URL: `file:${path.join(scratch, 'data', 'facegate.db')}`,
      FACEGATE_ADMIN_EMAIL: 'litter@facegate.test',
      FACEGATE_ADMIN_PASSWORD: 'litter test password 1',
      FACEGATE_RECOGNIZER_THREADS: '1',
    };
    execFileSync('npm', ['run', 'build'], { cwd: apiDir, stdio: 'ignore', env: { ...process.env } });
  }, 180_000);
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('the compiled API: started, a face identified, stopped', async () => {
    const port = 4900 + Math.floor(Math.random() * 90);
    const server = spawn(process.execPath, ['dist/server.js'], {
      cwd: apiDir,
      env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    pids.push(server.pid!);
    let stderr = '';
    server.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      let ready = false;
      for (const deadline = Date.now() + 120_000; !ready && Date.now() < deadline && server.exitCode === null;) {
        ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.ok,
          () => false,
        );
        if (!ready) await new Promise((r) => setTimeout(r, 250));
      }
      expect(ready, stderr).toBe(true);
      // The workers run the networks (ONNX Runtime sessions) on a real photo: whatever it writes, it has written.
      const form = new FormData();
      form.append(
        'operations',
        JSON.stringify({ query: 'mutation ($i: File!) { identifyFace(image: $i) { __typename } }', variables: { i: null } }),
      );
      form.append('map', JSON.stringify({ 0: ['variables.i'] }));
      form.append(
        '0',
        new File(
          [
            new Uint8Array(
              await (await import('node:fs/promises')).readFile(path.join(packageDir('@vladmandic/face-api'), 'demo', 'sample2.jpg')),
            ),
          ],
          'sample2.jpg',
        ),
      );
      const answer = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'graphql-require-preflight': '1' },
        body: form,
      });
      expect(answer.status).toBe(200);
    } finally {
      server.kill('SIGTERM');
      if (server.exitCode === null) await new Promise((resolve) => server.once('exit', resolve));
    }
  }, 180_000);

  it('the facegate command: encode, and a database command', () => {
    const facegate = (...args: string[]) => {
      const child = spawn(process.execPath, [path.join(apiDir, 'bin', 'facegate.js'), ...args], {
        cwd: root,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      pids.push(child.pid!);
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      return new Promise<{ code: number | null; out: string }>((resolve) => child.once('close', (code) => resolve({ code, out })));
    };
    return (async () => {
      // One face, cut by this test into a folder of its own (not HOME, TMPDIR or the data directory).
      const photo = path.join(scratch, 'input', 'one-person.jpg');
      await mkdir(path.dirname(photo));
      await sharp(path.join(packageDir('@vladmandic/face-api'), 'demo', 'sample2.jpg'))
        .extract({ left: 1300, top: 40, width: 500, height: 500 })
        .toFile(photo);
      const encoded = await facegate('encode', photo, '--json');
      expect(encoded.code, encoded.out).toBe(0);
      // Nobody is enrolled: the door stays shut (a non-zero exit), the answer is still given.
      const identified = await facegate('db', 'identify', photo, '--json');
      expect(identified.out).toMatch(/"decision"/);
    })();
  }, 180_000);

  it('left nothing in HOME, TMPDIR or /tmp; everything is in the data directory', () => {
    expect(pids.length).toBe(3);
    expect(everything(path.join(scratch, 'home'))).toEqual([]);
    expect(everything(path.join(scratch, 'tmp'))).toEqual([]);
    for (const pid of pids) expect(existsSync(`/tmp/mat-debug-${pid}.log`), `/tmp/mat-debug-${pid}.log`).toBe(false);
    const data = everything(path.join(scratch, 'data'));
    expect(data).toContain('facegate.db');
    for (const name of data) expect(statSync(path.join(scratch, 'data', name)).isFile()).toBe(true);
  });
});
