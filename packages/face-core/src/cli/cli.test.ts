import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageDir } from '../backend.ts';
import { facesDir, hasFaces } from '../faces-dir.ts';

const bin = fileURLToPath(new URL('../../bin/facegate.js', import.meta.url));
const run = promisify(execFile);

async function facegate(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('facegate command', () => {
  it('encode --json prints exactly one JSON object with the encoding, box and score', async () => {
    const sample = path.join(packageDir('@vladmandic/face-api'), 'demo', 'sample2.jpg');
    const { code, stdout } = await facegate('encode', sample, '--json');
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    const result = JSON.parse(stdout);
    expect(result.encoding).toHaveLength(128);
    expect(result.box.width).toBeGreaterThan(20);
    expect(result.score).toBeGreaterThan(0.5);
  });

  it('reports a bad photo on stderr with a non-zero exit and nothing on stdout', async () => {
    const { code, stdout, stderr } = await facegate('encode', '/no/such/photo.jpg', '--json');
    expect(code).not.toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/INVALID_IMAGE: cannot read/);
  });

  it('rejects unknown commands with usage help', async () => {
    const { code, stderr } = await facegate('enroll-everyone');
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/unknown command/);
  });
});

describe.skipIf(!hasFaces('seed'))(`facegate verify and identify on the exercise's office (needs ${facesDir()}/seed)`, () => {
  const seed = path.join(facesDir(), 'seed');
  let gallery: string;
  beforeAll(async () => {
    // The seed folder also holds the camera shots: the gallery is the 12 employees only.
    gallery = await mkdtemp(path.join(tmpdir(), 'facegate-gallery-'));
    for (const name of ['andrew', 'arnaud', 'benoit', 'bertrand', 'dan', 'felix', 'kevin', 'kian', 'sebastiano', 'tian', 'younes']) {
      await symlink(path.join(seed, `${name}.jpg`), path.join(gallery, `${name}.jpg`));
    }
    await symlink(path.join(seed, 'danielle.png'), path.join(gallery, 'danielle.png'));
  });
  afterAll(() => rm(gallery, { recursive: true, force: true }));

  it('verify: camera_0 is younes (exit 0); camera_2 claiming kian is refused (exit 3, as facegate door)', async () => {
    const accepted = await facegate('verify', '--gallery', gallery, '--as', 'younes', path.join(seed, 'camera_0.jpg'), '--json');
    expect(accepted.code).toBe(0);
    const yes = JSON.parse(accepted.stdout);
    expect(yes).toMatchObject({ identity: 'younes', match: true });
    expect(yes.distance).toBeLessThan(yes.threshold);
    const refused = await facegate('verify', '--gallery', gallery, '--as', 'kian', path.join(seed, 'camera_2.jpg'), '--json');
    expect(refused.code).toBe(3);
    expect(JSON.parse(refused.stdout)).toMatchObject({ identity: 'kian', match: false });
  });

  it('a missing folder is reported once by its code', async () => {
    const { code, stderr } = await facegate(
      'verify',
      '--gallery',
      path.join(gallery, 'no-such-folder'),
      '--as',
      'younes',
      path.join(seed, 'camera_0.jpg'),
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(/^facegate: ENOENT: no such file or directory/);
  });

  it('identify: camera_0 is younes, with the nearest candidates', async () => {
    const result = JSON.parse((await facegate('identify', '--gallery', gallery, path.join(seed, 'camera_0.jpg'), '--json')).stdout);
    expect(result.identity).toBe('younes');
    expect(result.candidates[0].identity).toBe('younes');
  });

  it('verify: an unknown name is an error, not a refusal', async () => {
    const { code, stderr } = await facegate('verify', '--gallery', gallery, '--as', 'nobody', path.join(seed, 'camera_0.jpg'), '--json');
    expect(code).toBe(1);
    expect(stderr).toMatch(/nobody is not in the gallery/);
  });
});

describe.skipIf(!hasFaces('seed'))(`facegate decisions on tiny faces and bursts (needs ${facesDir()}/seed)`, () => {
  const seed = path.join(facesDir(), 'seed');
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'facegate-tiny-'));
    await mkdir(path.join(dir, 'office'));
    for (const name of ['benoit', 'felix', 'younes'])
      await symlink(path.join(seed, `${name}.jpg`), path.join(dir, 'office', `${name}.jpg`));
    for (const side of [24, 16])
      await sharp(path.join(seed, 'camera_0.jpg'))
        .resize(side, side)
        .png()
        .toFile(path.join(dir, `camera_0-${side}.png`));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('never accepts camera_0 shrunk to 24 or 16 px as benoit or anyone: too small to decide on', async () => {
    for (const side of [24, 16]) {
      const photo = path.join(dir, `camera_0-${side}.png`);
      const verified = await facegate('verify', '--gallery', path.join(dir, 'office'), '--as', 'benoit', photo, '--json');
      const identified = await facegate('identify', '--gallery', path.join(dir, 'office'), photo, '--json');
      for (const run of [verified, identified]) {
        // Either no face is found at all (exit 1, NO_FACE) or the face is refused for its size.
        if (run.code === 1) expect(run.stderr).toMatch(/NO_FACE/);
        else {
          expect(run.code).toBe(3);
          expect(JSON.parse(run.stdout)).toMatchObject({ outcome: 'reject', reason: 'face_too_small', match: false });
        }
      }
    }
  });

  it('fuses the frames of a burst that pass the gates', async () => {
    const { stdout } = await facegate(
      'identify',
      '--gallery',
      path.join(dir, 'office'),
      path.join(dir, 'camera_0-24.png'),
      path.join(seed, 'camera_0.jpg'),
      '--json',
    );
    expect(JSON.parse(stdout)).toMatchObject({ outcome: 'accept', identity: 'younes', framesUsed: 1 });
  });
});
