import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encoderModelId, facesDir, hasFaces, headArtefact } from '@facegate/face-core';
import { createApp } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';

const bin = fileURLToPath(new URL('../../apps/api/bin/facegate.js', import.meta.url));
const run = promisify(execFile);
const seed = path.join(facesDir(), 'seed');

/** A deliberately poor head (y = 0.2 x + e0): faces come closer, so decisions change and there is something to count. */
function poorHead() {
  const d = 128;
  const weights = Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? 0.2 : 0));
  return headArtefact(
    encoderModelId('float32'),
    weights,
    Array.from({ length: d }, (_, i) => (i === 0 ? 1 : 0)),
  );
}

describe.skipIf(!hasFaces('seed'))(`facegate models compare / activate on a SQLite file (needs ${seed})`, () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  // A refusal is an answer too (exit 3, as facegate door): its JSON is on stdout.
  const facegate = async (...args: string[]) => {
    const output = await run(process.execPath, [bin, ...args, '--json'], { env, cwd: path.dirname(bin) }).catch(
      (error: { code?: number; stdout?: string }) => {
        if (error.code === 3 && error.stdout) return { stdout: error.stdout };
        throw error;
      },
    );
    return JSON.parse(output.stdout);
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'facegate-models-cli-'));
    // The database starts in float32, the encoder the head file below is written for.
    env = {
      ...process.env,
      DATABASE_URL: `file:${path.join(dir, 'facegate.db')}`,
      FACEGATE_RECOGNIZER_THREADS: '1',
      FACEGATE_DATA_KEY_FILE: path.join(dir, 'data.key'),
      FACEGATE_ENCODER_PRECISION: 'float32',
    };
    await mkdir(path.join(dir, 'office'));
    for (const name of ['arnaud', 'benoit', 'bertrand', 'kian', 'younes'])
      await symlink(path.join(seed, `${name}.jpg`), path.join(dir, 'office', `${name}.jpg`));
    await writeFile(path.join(dir, 'head.json'), JSON.stringify(poorHead()));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('compares a head file with the active model on the audit history (as the API does), then activates it', async () => {
    expect(await facegate('db', 'import', path.join(dir, 'office'))).toMatchObject({ enrolled: 5, rejected: [] });
    for (const n of [0, 1, 2, 3]) await facegate('db', 'identify', path.join(seed, `camera_${n}.jpg`));
    await facegate('db', 'verify', '--as', 'kian', path.join(seed, 'camera_2.jpg'));
    const compared = await facegate('models', 'compare', '--head', path.join(dir, 'head.json'));
    expect(compared.attempts).toBe(5);
    expect(compared.replayed).toBe(5);
    expect(compared.unchanged).toBeLessThan(5);
    const head = poorHead();
    // The same replay through the API's service on the same database.
    const app = await createApp(loadConfig(env));
    // The tests send photo files, not camera frames: liveness off, as the README says such a door sets it.
    await app.services.updateSettings({ liveness: 'off' });
    try {
      const direct = await app.services.models.compare(head.id, 200);
      expect(compared).toMatchObject({
        acceptedToRefused: direct.acceptedToRefused,
        refusedToAccepted: direct.refusedToAccepted,
        personChanged: direct.personChanged,
        unchanged: direct.unchanged,
      });
    } finally {
      await app.close();
    }
    expect(await facegate('models', 'activate', '--head', path.join(dir, 'head.json'), '--wait')).toMatchObject({
      status: 'done',
      toModel: head.modelId,
      done: 5,
      total: 5,
      failed: 0,
    });
  }, 120_000);
});
