import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces } from '@facegate/face-core';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { apiClient } from './api-client.ts';
import { databases } from './databases.ts';

const seed = path.join(facesDir(), 'seed');
const ADMIN = { email: 'admin@facegate.test', password: 'correct horse battery' };
const CARD = 'card-7f3k9q';
const VERIFY = `mutation ($input: VerifyFaceInput!) { verifyFace(input: $input) { __typename ... on Error { code } } }`;

/**
 * Attempts refused before their claim was resolved, naming the person as a door would: by name at the
 * wrong door, by card id and by id at the wrong door, by card id with a file that is not an image, and
 * by name once the key is rate-limited. Returns their audit events' ids.
 */
async function refusedClaims(
  app: App,
  client: ReturnType<typeof apiClient>,
  admin: string,
  person: { id: string; name: string },
  bystander?: string,
): Promise<string[]> {
  const door = async (name: string) =>
    (await client.gql(`mutation { createDoor(name: "${name}") { ... on MutationCreateDoorSuccess { data { id } } } }`, {}, admin)).body
      .data!.createDoor.data.id as string;
  const [a, b] = [await door('front'), await door('back')];
  const key = (
    await client.gql(
      `mutation ($d: ID) { createApiKey(name: "front door", scopes: [VERIFY], doorId: $d) { ... on MutationCreateApiKeySuccess { data { token } } } }`,
      { d: a },
      admin,
    )
  ).body.data!.createApiKey.data.token as string;
  const camera = { 'input.image': path.join(seed, 'camera_0.jpg') };
  const codes: string[] = [];
  const attempt = async (input: Record<string, unknown>, files: Parameters<typeof client.upload>[2] = camera) => {
    const { body } = await client.upload(VERIFY, { input: { ...input, image: null } }, files, key);
    codes.push(body.data?.verifyFace.code ?? body.data?.verifyFace.__typename);
  };
  const earlier = (await app.db.prisma.recognitionEvent.findMany({ select: { id: true } })).map((e) => e.id);
  await attempt({ name: person.name, doorId: b });
  await attempt({ cardId: CARD, doorId: b });
  await attempt({ personId: person.id, doorId: b });
  if (bystander) {
    await attempt({ name: bystander, doorId: b });
    codes.pop();
  }
  await attempt({ cardId: CARD }, { 'input.image': { name: 'notes.jpg', bytes: new TextEncoder().encode('not an image at all') } });
  await app.services.updateSettings({ rateLimitPerMinute: 1 });
  await attempt({ name: person.name });
  await attempt({ name: person.name });
  await app.services.updateSettings({ rateLimitPerMinute: 600 });
  expect(codes).toEqual(['UNAUTHORIZED', 'UNAUTHORIZED', 'UNAUTHORIZED', 'INVALID_IMAGE', expect.any(String), 'RATE_LIMITED']);
  const events = await app.db.prisma.recognitionEvent.findMany({
    where: { id: { notIn: earlier }, NOT: { claimedLabel: bystander ?? '' } },
    orderBy: { createdAt: 'asc' },
  });
  expect(events.map((e) => e.reason)).toEqual([
    'wrong_door',
    'wrong_door',
    'wrong_door',
    'invalid_image',
    expect.any(String),
    'rate_limited',
  ]);
  // What the attacker saw: the typed name, card id and id are in these events.
  expect(events.map((e) => e.claimedLabel)).toEqual(expect.arrayContaining([person.name, CARD, person.id]));
  return events.map((e) => e.id);
}

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
    app = await createApp(
      loadConfig({
        DATABASE_URL: `file:${file}`,
        FACEGATE_ADMIN_EMAIL: ADMIN.email,
        FACEGATE_ADMIN_PASSWORD: ADMIN.password,
        FACEGATE_RECOGNIZER_THREADS: '1',
      }),
    );
    // The tests send photo files, not camera frames: liveness off, as the README says such a door sets it.
    await app.services.updateSettings({ liveness: 'off' });
    client = apiClient(app);
    admin = await client.login(ADMIN.email, ADMIN.password);
  });
  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("finds the person's encodings and faces in the file before, and none of them after deletePerson", async () => {
    const person = await app.services.people.create({ name: 'younes', cardId: CARD });
    const other = await app.services.people.create({ name: 'benoit' });
    await app.services.people.enroll(person.id, [
      { filename: 'younes.jpg', bytes: new Uint8Array(await readFile(path.join(seed, 'younes.jpg'))) },
    ]);
    await app.services.people.enroll(other.id, [
      { filename: 'benoit.jpg', bytes: new Uint8Array(await readFile(path.join(seed, 'benoit.jpg'))) },
    ]);
    for (const n of [0, 3]) {
      await client.upload(
        `mutation ($input: VerifyFaceInput!) { verifyFace(input: $input) { __typename } }`,
        { input: { cardId: CARD, image: null } },
        { 'input.image': path.join(seed, `camera_${n}.jpg`) },
        admin,
      );
    }
    const refused = await refusedClaims(app, client, admin, person);
    const samples = await app.db.prisma.faceSample.findMany({ where: { personId: person.id } });
    // Two verifications, and the one refused attempt that got through to a comparison (before the rate limit).
    const events = await app.db.prisma.recognitionEvent.findMany({ where: { claimedPersonId: person.id, thumbnail: { not: null } } });
    expect(events).toHaveLength(3);
    // What must go: the encoding, the enrolled face, and the faces seen at the door.
    const secrets = [...samples.flatMap((s) => [s.encoding, s.thumbnail]), ...events.map((e) => e.thumbnail!)].map((bytes) =>
      Buffer.from(bytes).subarray(Math.floor(bytes.length / 2), Math.floor(bytes.length / 2) + 64),
    );
    await app.db.prisma.$queryRawUnsafe('PRAGMA wal_checkpoint(TRUNCATE)');
    const before = await databaseBytes(file);
    expect(secrets.every((s) => before.includes(s))).toBe(true);
    expect(before.includes(Buffer.from(CARD))).toBe(true);

    const erased = await client.gql(
      `mutation ($id: ID!) { deletePerson(id: $id) { ... on MutationDeletePersonSuccess { data { samplesErased auditImagesErased } } } }`,
      { id: person.id },
      admin,
    );
    expect(erased.body.data!.deletePerson.data).toEqual({ samplesErased: 1, auditImagesErased: 3 });
    const after = await databaseBytes(file);
    expect(secrets.filter((s) => after.includes(s))).toHaveLength(0);
    expect(after.includes(Buffer.from('younes'))).toBe(false);
    expect(after.includes(Buffer.from(CARD))).toBe(false);
    // The refused attempts stay, pseudonymised like the others.
    const pseudonymised = await app.db.prisma.recognitionEvent.findMany({ where: { id: { in: refused } } });
    expect(pseudonymised.map((e) => e.claimedLabel)).toEqual(refused.map(() => expect.stringMatching(/^erased-/)));
    // The events stay, with decision and distance, pseudonymised.
    const kept = await app.db.prisma.recognitionEvent.findMany({ where: { id: { in: events.map((e) => e.id) } } });
    expect(kept).toHaveLength(3);
    expect(kept.every((e) => e.claimedLabel!.startsWith('erased-') && e.thumbnail === null && e.distance !== null)).toBe(true);
    // The other person's face is untouched.
    expect(await app.db.prisma.faceSample.count({ where: { personId: other.id } })).toBe(1);
  });
});

for (const database of databases()) {
  describe.skipIf(!hasFaces('seed') || database.skip)(
    `erasure reaches attempts refused before their claim was resolved, on ${database.name}${database.skip ? ` (${database.skip})` : ''}`,
    () => {
      let app: App;
      let dir: string;
      let admin: string;
      let client: ReturnType<typeof apiClient>;

      beforeAll(async () => {
        dir = await mkdtemp(path.join(tmpdir(), 'facegate-erasure-claims-'));
        app = await createApp(
          loadConfig({
            DATABASE_URL: await database.url(dir),
            FACEGATE_ADMIN_EMAIL: ADMIN.email,
            FACEGATE_ADMIN_PASSWORD: ADMIN.password,
            FACEGATE_RECOGNIZER_THREADS: '1',
          }),
        );
        client = apiClient(app);
        admin = await client.login(ADMIN.email, ADMIN.password);
      });
      afterAll(async () => {
        await app?.close();
        await database.drop?.();
        await rm(dir, { recursive: true, force: true });
      });

      it('after deletePerson no audit event shows the name, card id or id typed at the door; the events stay', async () => {
        const person = await app.services.people.create({ name: 'younes', cardId: CARD });
        const other = await app.services.people.create({ name: 'benoit' });
        // Someone else's refused claim is not theirs to erase.
        const refused = await refusedClaims(app, client, admin, person, other.name);
        const { body } = await client.gql(`mutation ($id: ID!) { deletePerson(id: $id) { __typename } }`, { id: person.id }, admin);
        expect(body.data!.deletePerson.__typename).toBe('MutationDeletePersonSuccess');
        const read = await client.gql(`{ recognitionEvents(first: 50) { edges { node { id claimedLabel claimedPersonId } } } }`, {}, admin);
        const nodes = read.body.data!.recognitionEvents.edges.map((e: { node: { id: string; claimedLabel: string | null } }) => e.node);
        expect(nodes.map((n: { id: string }) => n.id)).toEqual(expect.arrayContaining(refused));
        const labels = nodes.map((n: { claimedLabel: string | null }) => n.claimedLabel);
        for (const typed of [person.name, CARD, person.id]) expect(labels).not.toContain(typed);
        expect(
          nodes
            .filter((n: { id: string }) => refused.includes(n.id))
            .every((n: { claimedLabel: string }) => /^erased-/.test(n.claimedLabel)),
        ).toBe(true);
        expect(labels).toContain(other.name);
      });
    },
  );
}

describe('audit image retention', () => {
  let app: App;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'facegate-retention-'));
    app = await createApp(
      loadConfig({
        DATABASE_URL: `file:${path.join(dir, 'facegate.db')}`,
        FACEGATE_ADMIN_EMAIL: ADMIN.email,
        FACEGATE_ADMIN_PASSWORD: ADMIN.password,
        FACEGATE_RECOGNIZER_THREADS: '1',
      }),
    );
    await app.services.updateSettings({ liveness: 'off' });
  });
  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('erases face images from audit events older than the retention, keeping the events and the recent images', async () => {
    const face = Buffer.from('a face seen at the door');
    const event = (daysAgo: number) =>
      app.db.prisma.recognitionEvent.create({
        data: {
          kind: 'identify',
          threshold: 0.35,
          model: 'm',
          decision: 'refused',
          reason: 'not_in_database',
          thumbnail: face,
          createdAt: new Date(Date.now() - daysAgo * 86_400_000),
        },
      });
    const [old, recent] = [await event(40), await event(2)];
    expect(app.services.settings.current().auditImageRetentionDays).toBe(90);
    expect(await app.services.purgeImages()).toBe(0);
    await app.services.updateSettings({ auditImageRetentionDays: 30 });
    const rows = await app.db.prisma.recognitionEvent.findMany({
      where: { id: { in: [old.id, recent.id] } },
      orderBy: { createdAt: 'asc' },
    });
    expect(rows.map((r) => r.thumbnail === null)).toEqual([true, false]);
    expect(rows).toHaveLength(2);
  });
});
