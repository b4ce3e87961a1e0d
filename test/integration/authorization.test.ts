import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageDir } from '@facegate/face-core';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { apiClient } from './api-client.ts';
import { databases } from './databases.ts';

// deletedDoorKey: a door key whose door was deleted (issue 23): revoked with its door, it may do nothing.
type Caller = 'anonymous' | 'doorKey' | 'deletedDoorKey' | 'integrationKey' | 'viewer' | 'admin';
const CALLERS: Caller[] = ['anonymous', 'doorKey', 'deletedDoorKey', 'integrationKey', 'viewer', 'admin'];

// One real face, cut from a photo shipped inside @vladmandic/face-api, so the matrix runs on a fresh clone.
let onePerson: string;
const face = () => onePerson;

/** Every operation, and who may run it. */
type Body = Awaited<ReturnType<ReturnType<typeof apiClient>['gql']>>['body'];
const MATRIX: {
  name: string;
  allowed: Caller[];
  run: (c: ReturnType<typeof apiClient>, token: string | undefined, ids: Record<string, string>) => Promise<Body>;
}[] = [
  {
    name: 'query people',
    allowed: ['integrationKey', 'viewer', 'admin'],
    run: async (c, t) => (await c.gql('{ people { totalCount } }', {}, t)).body,
  },
  {
    name: 'query person',
    allowed: ['integrationKey', 'viewer', 'admin'],
    run: async (c, t, ids) => (await c.gql('query ($id: ID!) { person(id: $id) { name } }', { id: ids.person }, t)).body,
  },
  {
    name: 'read encodings',
    allowed: ['admin'],
    run: async (c, t, ids) => (await c.gql('query ($id: ID!) { person(id: $id) { samples { encoding } } }', { id: ids.person }, t)).body,
  },
  // Issue 13: the enrolment photo kept beside the chip is a face image (faces:read); the boxes of what the
  // detector saw come with the register (people:read), the audit's with the audit log (audit:read).
  {
    name: 'read sample originals',
    allowed: ['viewer', 'admin'],
    run: async (c, t, ids) => (await c.gql('query ($id: ID!) { person(id: $id) { samples { original } } }', { id: ids.person }, t)).body,
  },
  {
    name: 'read sample face boxes and quality gates',
    allowed: ['integrationKey', 'viewer', 'admin'],
    run: async (c, t, ids) =>
      (
        await c.gql(
          'query ($id: ID!) { person(id: $id) { samples { photo { width faces { x used } } qualityChecks { measure pass } } } }',
          { id: ids.person },
          t,
        )
      ).body,
  },
  {
    name: 'read audit face boxes',
    allowed: ['viewer', 'admin'],
    run: async (c, t) => (await c.gql('{ recognitionEvents { edges { node { photo { width faces { x } } } } } }', {}, t)).body,
  },
  {
    name: 'verifyFace with face boxes',
    allowed: ['doorKey', 'admin'],
    run: async (c, t, ids) =>
      (
        await c.upload(
          'mutation ($input: VerifyFaceInput!) { verifyFace(input: $input) { __typename ... on MutationVerifyFaceSuccess { data { photos { faceCount faces { x used } } } } ... on Error { code } } }',
          { input: { personId: ids.person, image: null } },
          { 'input.image': face() },
          t,
        )
      ).body,
  },
  // Issue 23: the deleted door's key, at another door (the front door: no PIN there) and with no door.
  {
    name: 'verifyFace at another door',
    allowed: ['admin'],
    run: async (c, t, ids) =>
      (
        await c.upload(
          'mutation ($input: VerifyFaceInput!) { verifyFace(input: $input) { __typename ... on Error { code } } }',
          { input: { personId: ids.person, doorId: ids.otherDoor, image: null } },
          { 'input.image': face() },
          t,
        )
      ).body,
  },
  // Introspection: signed-in callers only (production), and priced like any query.
  {
    name: 'introspection (__schema)',
    allowed: ['doorKey', 'integrationKey', 'viewer', 'admin'],
    run: async (c, t) => (await c.gql('{ __schema { queryType { name } types { name } } }', {}, t)).body,
  },
  {
    name: 'introspection (__type)',
    allowed: ['doorKey', 'integrationKey', 'viewer', 'admin'],
    run: async (c, t) => (await c.gql('{ __type(name: "Person") { fields { name } } }', {}, t)).body,
  },
  {
    name: 'query recognitionEvents',
    allowed: ['viewer', 'admin'],
    run: async (c, t) => (await c.gql('{ recognitionEvents { totalCount } }', {}, t)).body,
  },
  {
    name: 'query whoMayPass',
    allowed: ['integrationKey', 'viewer', 'admin'],
    run: async (c, t, ids) => (await c.gql('query ($d: ID!) { whoMayPass(doorId: $d) { at } }', { d: ids.door }, t)).body,
  },
  { name: 'query stats', allowed: ['viewer', 'admin'], run: async (c, t) => (await c.gql('{ stats { day } }', {}, t)).body },
  { name: 'query apiKeys', allowed: ['admin'], run: async (c, t) => (await c.gql('{ apiKeys { id } }', {}, t)).body },
  { name: 'query admins', allowed: ['admin'], run: async (c, t) => (await c.gql('{ admins { id } }', {}, t)).body },
  // The MQTT broker (its address, never its credentials) is configuration: administrators only.
  {
    name: 'query mqttSettings',
    allowed: ['admin'],
    run: async (c, t) => (await c.gql('{ mqttSettings { enabled broker topicPrefix connected waiting } }', {}, t)).body,
  },
  {
    name: 'query securityEvents',
    allowed: ['admin'],
    run: async (c, t) => (await c.gql('{ securityEvents { kind account address } }', {}, t)).body,
  },
  {
    name: 'revokeSessions',
    allowed: ['admin'],
    run: async (c, t, ids) =>
      (
        await c.gql(
          'mutation ($id: ID!) { revokeSessions(adminId: $id, currentPassword: "root password 123") { __typename ... on Error { code } } }',
          { id: ids.spareAdmin },
          t,
        )
      ).body,
  },
  // Issue 23: the thresholds in force and the site's doors are not a door key's business.
  { name: 'query settings', allowed: ['viewer', 'admin'], run: async (c, t) => (await c.gql('{ settings { threshold } }', {}, t)).body },
  {
    name: 'query doors',
    allowed: ['integrationKey', 'viewer', 'admin'],
    run: async (c, t) => (await c.gql('{ doors { id } }', {}, t)).body,
  },
  {
    name: 'createPerson',
    allowed: ['admin'],
    run: async (c, t) =>
      (await c.gql('mutation { createPerson(input: { name: "Someone" }) { __typename ... on Error { code } } }', {}, t)).body,
  },
  {
    name: 'updatePerson',
    allowed: ['admin'],
    run: async (c, t, ids) =>
      (
        await c.gql(
          'mutation ($id: ID!) { updatePerson(id: $id, input: { notes: "x" }) { __typename ... on Error { code } } }',
          { id: ids.person },
          t,
        )
      ).body,
  },
  {
    name: 'enrollFaces',
    allowed: ['admin'],
    run: async (c, t, ids) =>
      (
        await c.upload(
          'mutation ($id: ID!, $images: [File!]!) { enrollFaces(personId: $id, images: $images) { __typename ... on Error { code } } }',
          { id: ids.person, images: [null] },
          { 'images.0': face() },
          t,
        )
      ).body,
  },
  {
    name: 'verifyFace',
    allowed: ['doorKey', 'admin'],
    run: async (c, t, ids) =>
      (
        await c.upload(
          'mutation ($input: VerifyFaceInput!) { verifyFace(input: $input) { __typename ... on Error { code } } }',
          { input: { personId: ids.person, image: null } },
          { 'input.image': face() },
          t,
        )
      ).body,
  },
  {
    name: 'identifyFace',
    allowed: ['doorKey', 'admin'],
    run: async (c, t) =>
      (
        await c.upload(
          'mutation ($image: File!) { identifyFace(image: $image) { __typename ... on Error { code } } }',
          { image: null },
          { image: face() },
          t,
        )
      ).body,
  },
  {
    name: 'createApiKey',
    allowed: ['admin'],
    run: async (c, t) =>
      (await c.gql('mutation { createApiKey(name: "k", scopes: [VERIFY]) { __typename ... on Error { code } } }', {}, t)).body,
  },
  {
    name: 'createDoor',
    allowed: ['admin'],
    run: async (c, t) =>
      (await c.gql(`mutation { createDoor(name: "door-${Math.random()}") { __typename ... on Error { code } } }`, {}, t)).body,
  },
  {
    name: 'updateSettings',
    allowed: ['admin'],
    run: async (c, t) =>
      (await c.gql('mutation { updateSettings(input: { rateLimitPerMinute: 600 }) { __typename ... on Error { code } } }', {}, t)).body,
  },
  // Issue 9: model versions (which model decides, heads, re-encoding, comparison, training): administrators only.
  { name: 'query activeModel', allowed: ['admin'], run: async (c, t) => (await c.gql('{ activeModel { model headId } }', {}, t)).body },
  {
    name: 'query modelHeads',
    allowed: ['admin'],
    run: async (c, t) => (await c.gql('{ modelHeads { id modelId curve { epoch } } }', {}, t)).body,
  },
  {
    name: 'query modelChanges',
    allowed: ['admin'],
    run: async (c, t) => (await c.gql('{ modelChanges { id status done total } }', {}, t)).body,
  },
  {
    name: 'query trainingRuns',
    allowed: ['admin'],
    run: async (c, t) => (await c.gql('{ trainingRuns { id status curve { heldOutLoss } } }', {}, t)).body,
  },
  {
    name: 'query compareModels',
    allowed: ['admin'],
    run: async (c, t) => (await c.gql('{ compareModels(last: 3) { attempts acceptedToRefused current { histogram } } }', {}, t)).body,
  },
  {
    name: 'addModelHead',
    allowed: ['admin'],
    run: async (c, t) =>
      (
        await c.upload(
          'mutation ($f: File!) { addModelHead(file: $f) { __typename ... on Error { code } } }',
          { f: null },
          { f: { name: 'head.json', bytes: new TextEncoder().encode('{}') } },
          t,
        )
      ).body,
  },
  {
    name: 'changeActiveModel',
    allowed: ['admin'],
    run: async (c, t) => (await c.gql('mutation { changeActiveModel(headId: null) { __typename ... on Error { code } } }', {}, t)).body,
  },
  {
    name: 'cancelModelChange',
    allowed: ['admin'],
    run: async (c, t) => (await c.gql('mutation { cancelModelChange(id: "none") { __typename ... on Error { code } } }', {}, t)).body,
  },
  {
    name: 'startTraining',
    allowed: ['admin'],
    run: async (c, t) => (await c.gql('mutation { startTraining(source: ENROLLED) { __typename ... on Error { code } } }', {}, t)).body,
  },
  // Issue 13 (history): the administrators' log, learning from the doors, bulk import.
  {
    name: 'query adminActions',
    allowed: ['admin'],
    run: async (c, t) => (await c.gql('{ adminActions { totalCount edges { node { action actorLabel } } } }', {}, t)).body,
  },
  {
    name: 'query doorFaces',
    allowed: ['viewer', 'admin'],
    run: async (c, t) => (await c.gql('{ doorFaces(last: 5) { threshold groups { faces { usable } } } }', {}, t)).body,
  },
  {
    name: 'learnFacesFromDoors',
    allowed: ['admin'],
    run: async (c, t, ids) =>
      (
        await c.gql(
          'mutation ($p: ID!) { learnFacesFromDoors(eventIds: ["none"], personId: $p) { __typename ... on Error { code } } }',
          { p: ids.person },
          t,
        )
      ).body,
  },
  { name: 'query importLimits', allowed: ['admin'], run: async (c, t) => (await c.gql('{ importLimits { maxEntries } }', {}, t)).body },
  {
    name: 'importPerson',
    allowed: ['admin'],
    run: async (c, t) =>
      (
        await c.upload(
          'mutation ($images: [File!]!) { importPerson(name: "Ann", images: $images) { __typename ... on Error { code } } }',
          { images: [null] },
          { 'images.0': face() },
          t,
        )
      ).body,
  },
  {
    name: 'importPeople',
    allowed: ['admin'],
    run: async (c, t) =>
      (
        await c.upload(
          'mutation ($a: File!) { importPeople(archive: $a) { __typename ... on Error { code } } }',
          { a: null },
          { a: { name: 'empty.zip', bytes: zipSync({}) } },
          t,
        )
      ).body,
  },
  // A large threshold move, confirmed: the confirmation flag opens nothing to a caller that may not change settings (the door's own key included).
  {
    name: 'query settingsPreview',
    allowed: ['viewer', 'admin'],
    run: async (c, t) => (await c.gql('{ settingsPreview(input: { threshold: 0.6 }) { warnings } }', {}, t)).body,
  },
  {
    name: 'updateSettings, a large move confirmed',
    allowed: ['admin'],
    run: async (c, t) =>
      (
        await c.gql(
          'mutation { updateSettings(input: { rateLimitPerMinute: 600 }, confirmLargeChange: true) { __typename ... on Error { code } } }',
          {},
          t,
        )
      ).body,
  },
  {
    name: 'updateDoor, a large move of its threshold confirmed',
    allowed: ['admin'],
    run: async (c, t, ids) =>
      (
        await c.gql(
          'mutation ($id: ID!) { updateDoor(id: $id, input: { settings: { thresholdOverride: 0.6 } }, confirmLargeChange: true) { __typename ... on Error { code } } }',
          { id: ids.door },
          t,
        )
      ).body,
  },
];

/** Denied means an UnauthorizedError result or a GraphQL error with code UNAUTHORIZED; nothing else. */
function denied(body: Body): boolean {
  if (body.errors?.some((e) => e.extensions?.code === 'UNAUTHORIZED')) return true;
  return Object.values(body.data ?? {}).some((v) => v?.__typename === 'UnauthorizedError');
}

for (const database of databases()) {
  describe.skipIf(database.skip)(`who may do what, on ${database.name}${database.skip ? ` (${database.skip})` : ''}`, () => {
    let app: App;
    let dir: string;
    const tokens: Partial<Record<Caller, string>> = {};
    const ids: Record<string, string> = {};
    let client: ReturnType<typeof apiClient>;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'facegate-auth-'));
      onePerson = path.join(dir, 'one-person.jpg');
      await sharp(path.join(packageDir('@vladmandic/face-api'), 'demo', 'sample2.jpg'))
        .extract({ left: 1300, top: 40, width: 500, height: 500 })
        .toFile(onePerson);
      app = await createApp(
        loadConfig({
          DATABASE_URL: await database.url(dir),
          FACEGATE_ADMIN_EMAIL: 'root@facegate.test',
          FACEGATE_ADMIN_PASSWORD: 'root password 123',
          FACEGATE_RECOGNIZER_THREADS: '1',
        }),
      );
      // The tests send photo files, not camera frames: liveness off, as the README says such a door sets it.
      await app.services.updateSettings({ liveness: 'off' });
      client = apiClient(app);
      tokens.admin = (await app.services.admins.login('root@facegate.test', 'root password 123')).token;
      // A viewer allowed face images (faces:read); one without is in viewer-faces.test.ts.
      await app.services.admins.create('viewer@facegate.test', 'viewer password 1', 'viewer', true);
      tokens.viewer = (await app.services.admins.login('viewer@facegate.test', 'viewer password 1')).token;
      const door = await app.services.access.doors.create('Front door');
      ids.door = door.id;
      tokens.doorKey = (await app.services.apiKeys.create({ name: 'front door', scopes: ['verify', 'identify'], doorId: door.id })).token;
      tokens.integrationKey = (await app.services.apiKeys.create({ name: 'hr system', scopes: ['people:read'] })).token;
      const oldDoor = await app.services.access.doors.create('Old door');
      tokens.deletedDoorKey = (
        await app.services.apiKeys.create({ name: 'old door', scopes: ['verify', 'identify'], doorId: oldDoor.id })
      ).token;
      await app.services.access.doors.remove(oldDoor.id);
      ids.otherDoor = (await app.services.access.doors.create('Other door')).id;
      ids.spareAdmin = (await app.services.admins.create('spare@facegate.test', 'spare password 4711', 'viewer')).id;
      const person = await app.services.people.create({ name: 'Ann' });
      ids.person = person.id;
      const { enrolled } = await app.services.people.enroll(person.id, [
        { filename: 'a.jpg', bytes: new Uint8Array(await readFile(face())) },
      ]);
      expect(enrolled).toHaveLength(1);
    });
    afterAll(async () => {
      await app?.close();
      await database.drop?.();
      await rm(dir, { recursive: true, force: true });
    });

    for (const operation of MATRIX) {
      for (const caller of CALLERS) {
        const allowed = operation.allowed.includes(caller);
        it(`${operation.name}: ${caller} is ${allowed ? 'allowed' : 'refused'}`, async () => {
          const body = await operation.run(client, tokens[caller], ids);
          expect(denied(body), JSON.stringify(body).slice(0, 300)).toBe(!allowed);
          if (allowed) expect(body.errors ?? []).toEqual([]);
        });
      }
    }

    it('me tells who is calling, and null for nobody', async () => {
      expect((await client.gql('{ me { kind } }')).body.data!.me).toBeNull();
      expect((await client.gql('{ me { kind name scopes } }', {}, tokens.doorKey)).body.data!.me).toEqual({
        kind: 'apiKey',
        name: 'front door',
        scopes: ['identify', 'verify'],
      });
    });

    it('a revoked key, a forged token and a wrong password get nothing', async () => {
      const key = await app.services.apiKeys.create({ name: 'temp', scopes: ['people:read'] });
      await app.services.apiKeys.revoke(key.key.id);
      expect(denied((await client.gql('{ people { totalCount } }', {}, key.token)).body)).toBe(true);
      expect(denied((await client.gql('{ people { totalCount } }', {}, `${tokens.admin}x`)).body)).toBe(true);
      const login = await client.gql(
        'mutation { login(email: "root@facegate.test", password: "wrong") { __typename ... on Error { code } } }',
      );
      expect(login.body.data!.login).toEqual({ __typename: 'LoginFailedError', code: 'LOGIN_FAILED' });
    });

    it('refuses over-deep queries and malformed requests with clear errors', async () => {
      const deep = await client.gql(
        '{ people { edges { node { samples { id } } } pageInfo { hasNextPage } } me { kind } recognitionEvents { edges { node { door { name } } } } }',
        {},
        tokens.admin,
      );
      expect(deep.body.errors ?? []).toEqual([]);
      const tooDeep = await client.gql(
        `{ a: me { kind } ${'__schema { types { fields { type { fields { type { fields { type { name } } } } } } } }'} }`,
        {},
        tokens.admin,
      );
      expect(tooDeep.body.errors?.[0]?.message).toMatch(/depth/i);
      const malformed = await client.gql('{ people { ', {}, tokens.admin);
      expect(malformed.body.data).toBeUndefined();
      expect(malformed.body.errors?.[0]?.message).toMatch(/Syntax Error/);
    });
  });
}
