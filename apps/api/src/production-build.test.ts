// `npm start` runs the API compiled (scripts/build.ts): the bundle must build, start without tsx, load
// its recognition workers from dist/worker.js and answer.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverProcess } from '../scripts/server-process.ts';

const apiDir = path.resolve(import.meta.dirname, '..');

describe('the production build', () => {
  it('builds dist/server.js and dist/worker.js, which start without tsx and become ready', async () => {
    execFileSync('npm', ['run', 'build'], { cwd: apiDir, stdio: 'ignore' });
    expect(existsSync(path.join(apiDir, 'dist', 'server.js'))).toBe(true);
    expect(existsSync(path.join(apiDir, 'dist', 'worker.js'))).toBe(true);
    // Workspace sources are bundled: no import of a .ts file or of tsx is left.
    for (const file of readdirSync(path.join(apiDir, 'dist')).filter((f) => f.endsWith('.js')))
      expect(readFileSync(path.join(apiDir, 'dist', file), 'utf8')).not.toMatch(/(from|import\()\s*["']([^"']*\.ts|tsx[^"']*)["']/);

    const dir = await mkdtemp(path.join(tmpdir(), 'facegate-build-'));
    const port = 4700 + Math.floor(Math.random() * 200);
    const { args, env } = serverProcess('compiled');
    const server = spawn(process.execPath, args, {
      cwd: apiDir,
      env: {
        ...process.env,
        ...env,
        DATABASE_URL: `file:${path.join(dir, 'build.db')}`,
        PORT: String(port),
        FACEGATE_ADMIN_EMAIL: 'build@facegate.test',
        FACEGATE_ADMIN_PASSWORD: 'build test password 1',
        FACEGATE_RECOGNIZER_THREADS: '1',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    server.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      let ready: unknown;
      for (const deadline = Date.now() + 90_000; Date.now() < deadline && server.exitCode === null;) {
        const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null);
        if (response?.ok) {
          ready = await response.json();
          break;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(ready, stderr).toMatchObject({ ready: true, checks: { workers: '1/1' } });
      const answer = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(await answer.json()).toEqual({ data: { __typename: 'Query' } });
      // The process runs plain JavaScript: no tsx loader among its options.
      if (process.platform === 'linux') expect(readFileSync(`/proc/${server.pid}/cmdline`, 'utf8')).not.toContain('tsx');
    } finally {
      server.kill('SIGTERM');
      if (server.exitCode === null) await new Promise((resolve) => server.once('exit', resolve));
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
