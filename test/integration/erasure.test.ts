import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces } from '@facegate/face-core';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { apiClient } from './api-client.ts';

const seed = path.join(facesDir(), 'seed');
const ADMIN = { email: 'admin@facegate.test', password: 'correct horse battery' };

/** Every byte of the database: the file and its write-ahead log. */
async function databaseBytes(file: string): Promise<Buffer> {
  const parts = [await readFile(file)];
  if (existsSync(`${file}-wal`)) parts.push(await readFile(`${file}-wal`));
  return Buffer.concat(parts);
}

// Deletion really deletes: a byte scan of the SQLite file after erasing a person.
describe.skipIf(!hasFaces('seed'))(`erasure leaves no byte of a person's face in the SQLite file (needs ${seed})`, () => {
  let app: App;
  let dir: string;
  let file: string;
  let admin: string;
  let client: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'facegate-erasure-'));
    file = path.join(dir, 'facegate.db');
    app = await createApp(loadConfig({ DATABASE_URL: `file:${file}`, FACEGATE_ADMIN_EMAIL: ADMIN.email, FACEGATE_ADMIN_PASSWORD: ADMIN.password, FACEGATE_RECOGNIZER_THREADS: '1' }));
    // The tests send photo files, not camera frames: liveness off, as the README says such a door sets it.
    await app.services.updateSettings({ liveness: 'off' });
    client = apiClient(app);
    admin = (await client.gql(`mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { ... on MutationLoginSuccess { data { token } } } }`, { e: ADMIN.email, p: ADMIN.password })).body.data!.login.data.token;
  });
  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("finds the person's encodings and faces in the file before, and none of them after deletePerson", async () => {
    const person = await app.services.people.create({ name: 'younes', cardId: '1042' });
    const other = await app.services.people.create({ name: 'benoit' });
    await app.services.people.enroll(person.id, [{ filename: 'younes.jpg', bytes: new Uint8Array(await readFile(path.join(seed, 'younes.jpg'))) }]);
    await app.services.people.enroll(other.id, [{ filename: 'benoit.jpg', bytes: new Uint8Array(await readFile(path.join(seed, 'benoit.jpg'))) }]);
    for (const n of [0, 3]) {
      await client.upload(`mutation ($input: VerifyFaceInput!) { verifyFace(input: $input) { __typename } }`, { input: { cardId: '1042', image: null } }, { 'input.image': path.join(seed, `camera_${n}.jpg`) }, admin);
    }
    const samples = await app.db.prisma.faceSample.findMany({ where: { personId: person.id } });
    const events = await app.db.prisma.recognitionEvent.findMany({ where: { claimedPersonId: person.id } });
    expect(events).toHaveLength(2);
    // What must go: the encoding, the enrolled face, and the faces seen at the door.
    const secrets = [...samples.flatMap((s) => [s.encoding, s.thumbnail]), ...events.map((e) => e.thumbnail!)].map((bytes) => Buffer.from(bytes).subarray(Math.floor(bytes.length / 2), Math.floor(bytes.length / 2) + 64));
    await app.db.prisma.$queryRawUnsafe('PRAGMA wal_checkpoint(TRUNCATE)');
    const before = await databaseBytes(file);
    expect(secrets.every((s) => before.includes(s))).toBe(true);

    const erased = await client.gql(`mutation ($id: ID!) { deletePerson(id: $id) { ... on MutationDeletePersonSuccess { data { samplesErased auditImagesErased } } } }`, { id: person.id }, admin);
    expect(erased.body.data!.deletePerson.data).toEqual({ samplesErased: 1, auditImagesErased: 2 });
    const after = await databaseBytes(file);
    expect(secrets.filter((s) => after.includes(s))).toHaveLength(0);
    expect(after.includes(Buffer.from('younes'))).toBe(false);
    // The events stay, with decision and distance, pseudonymised.
    const kept = await app.db.prisma.recognitionEvent.findMany({ where: { id: { in: events.map((e) => e.id) } } });
    expect(kept).toHaveLength(2);
    expect(kept.every((e) => e.claimedLabel!.startsWith('erased-') && e.thumbnail === null && e.distance !== null)).toBe(true);
    // The other person's face is untouched.
    expect(await app.db.prisma.faceSample.count({ where: { personId: other.id } })).toBe(1);
  });
});

describe('audit image retention', () => {
  let app: App;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'facegate-retention-'));
    app = await createApp(loadConfig({ DATABASE_URL: `file:${path.join(dir, 'facegate.db')}`, FACEGATE_ADMIN_EMAIL: ADMIN.email, FACEGATE_ADMIN_PASSWORD: ADMIN.password, FACEGATE_RECOGNIZER_THREADS: '1' }));
    await app.services.updateSettings({ liveness: 'off' });
  });
  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('erases face images from audit events older than the retention, keeping the events and the recent images', async () => {
    const face = Buffer.from('a face seen at the door');
    const event = (daysAgo: number) =>
      app.db.prisma.recognitionEvent.create({ data: { kind: 'identify', threshold: 0.35, model: 'm', decision: 'refused', reason: 'not_in_database', thumbnail: face, createdAt: new Date(Date.now() - daysAgo * 86_400_000) } });
    const [old, recent] = [await event(40), await event(2)];
    expect(app.services.settings.current().auditImageRetentionDays).toBe(90);
    expect(await app.services.purgeImages()).toBe(0);
    await app.services.updateSettings({ auditImageRetentionDays: 30 });
    const rows = await app.db.prisma.recognitionEvent.findMany({ where: { id: { in: [old.id, recent.id] } }, orderBy: { createdAt: 'asc' } });
    expect(rows.map((r) => r.thumbnail === null)).toEqual([true, false]);
    expect(rows).toHaveLength(2);
  });
});
