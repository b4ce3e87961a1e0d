import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createApp } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces } from '@facegate/face-core';

const bin = fileURLToPath(new URL('../../apps/api/bin/facegate.js', import.meta.url));
const run = promisify(execFile);
const seed = path.join(facesDir(), 'seed');

describe.skipIf(!hasFaces('seed'))(`facegate db commands on a SQLite file (needs ${seed})`, () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  // Run from the data's folder, outside the repository, as an operator would: the recognition workers
  // must still find their own modules (they once resolved tsx from the working directory).
  const facegate = async (...args: string[]) =>
    JSON.parse((await run(process.execPath, [bin, ...args, '--json'], { env, cwd: dir })).stdout);
  // A refusal is an answer on stdout with exit code 3 (0 accepted, 1 an error), as `facegate door`.
  const decided = (...args: string[]) =>
    new Promise<{ code: number; answer: unknown }>((resolve, reject) =>
      execFile(process.execPath, [bin, ...args, '--json'], { env, cwd: dir }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        if (code !== 0 && code !== 3) reject(new Error(`exit ${code}: ${stderr}`));
        else resolve({ code, answer: JSON.parse(stdout) });
      }),
    );

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'facegate-db-cli-'));
    env = { ...process.env, DATABASE_URL: `file:${path.join(dir, 'facegate.db')}`, FACEGATE_RECOGNIZER_THREADS: '2' };
    await mkdir(path.join(dir, 'office', 'younes'), { recursive: true });
    for (const name of ['benoit', 'bertrand', 'kian'])
      await symlink(path.join(seed, `${name}.jpg`), path.join(dir, 'office', `${name}.jpg`));
    // Several photos of one person: a folder.
    await symlink(path.join(seed, 'younes.jpg'), path.join(dir, 'office', 'younes', 'a.jpg'));
    await symlink(path.join(seed, 'camera_0.jpg'), path.join(dir, 'office', 'younes', 'b.jpg'));
    // The commands verify photo files, not camera frames: the deployment's liveness is set off, as the
    // README says for a door sent photo files (facegate db verify follows the deployment's settings).
    const app = await createApp(loadConfig({ DATABASE_URL: env.DATABASE_URL, FACEGATE_RECOGNIZER_THREADS: '1' }));
    await app.services.updateSettings({ liveness: 'off' });
    await app.close();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('imports a folder of people, then verifies and identifies against the same database', async () => {
    expect(await facegate('db', 'import', path.join(dir, 'office'))).toMatchObject({ people: 4, created: 4, enrolled: 5, rejected: [] });
    // Importing again finds the same people, and their photos already enrolled: nothing is stored twice.
    expect(await facegate('db', 'import', path.join(dir, 'office'))).toMatchObject({ people: 4, created: 0, enrolled: 0 });
    expect(await decided('db', 'verify', '--as', 'kian', path.join(seed, 'camera_2.jpg'))).toMatchObject({
      code: 3,
      answer: { match: false, decision: 'refused' },
    });
    expect(await facegate('db', 'identify', path.join(seed, 'camera_2.jpg'))).toMatchObject({ identity: 'benoit' });
  });
});
