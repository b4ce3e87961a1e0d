import { mkdtemp, rm } from 'node:fs/promises';
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
const IDENTIFY = `mutation ($image: File!, $door: ID) { identifyFace(image: $image, doorId: $door) { __typename ... on Error { code } ... on BusyError { retryAfterSeconds } } }`;
const VERIFY = `mutation ($input: VerifyFaceInput!) { verifyFace(input: $input) { __typename ... on Error { code } } }`;
const QUEUE = 4;

// Misuse and overload as an attacker (or a Monday morning) would cause them: each attempt is refused
// with a typed answer and leaves exactly one audit event.
for (const database of databases()) {
  describe.skipIf(!hasFaces('seed') || database.skip)(
    `every refused attempt is audited, on ${database.name}${database.skip ? ` (${database.skip})` : ''} (needs ${seed})`,
    () => {
      let app: App;
      let dir: string;
      let admin: string;
      let client: ReturnType<typeof apiClient>;
      const doors: Record<string, string> = {};
      const keys: Record<string, { id: string; token: string }> = {};
      const events = () => app.db.prisma.recognitionEvent.count();

      beforeAll(async () => {
        dir = await mkdtemp(path.join(tmpdir(), 'facegate-refusals-'));
        app = await createApp(
          loadConfig({
            DATABASE_URL: await database.url(dir),
            FACEGATE_ADMIN_EMAIL: ADMIN.email,
            FACEGATE_ADMIN_PASSWORD: ADMIN.password,
            FACEGATE_RECOGNIZER_THREADS: '1',
            FACEGATE_RECOGNIZER_QUEUE: String(QUEUE),
          }),
        );
        // The tests send photo files, not camera frames: liveness off, as the README says such a door sets it.
        await app.services.updateSettings({ liveness: 'off' });
        client = apiClient(app);
        admin = await client.login(ADMIN.email, ADMIN.password);
        const id = (
          await client.gql(
            `mutation { createPerson(input: { name: "younes", cardId: "1042" }) { ... on MutationCreatePersonSuccess { data { id } } } }`,
            {},
            admin,
          )
        ).body.data!.createPerson.data.id;
        await client.upload(
          `mutation ($id: ID!, $images: [File!]!) { enrollFaces(personId: $id, images: $images) { __typename } }`,
          { id, images: [null] },
          { 'images.0': path.join(seed, 'younes.jpg') },
          admin,
        );
        for (const name of ['a', 'b'])
          doors[name] = (
            await client.gql(
              `mutation { createDoor(name: "door ${name}") { ... on MutationCreateDoorSuccess { data { id } } } }`,
              {},
              admin,
            )
          ).body.data!.createDoor.data.id;
        const key = async (name: string, scopes: string, door: string | null) => {
          const created = (
            await client.gql(
              `mutation ($d: ID) { createApiKey(name: "${name}", scopes: [${scopes}], doorId: $d) { ... on MutationCreateApiKeySuccess { data { token apiKey { id } } } } }`,
              { d: door },
              admin,
            )
          ).body.data!.createApiKey.data;
          keys[name] = { id: created.apiKey.id, token: created.token };
        };
        await key('doorA', 'VERIFY, IDENTIFY', doors.a!);
        await key('readOnly', 'PEOPLE_READ', null);
        await key('revoked', 'VERIFY, IDENTIFY', doors.a!);
        await client.gql(`mutation ($id: ID!) { revokeApiKey(id: $id) { __typename } }`, { id: keys.revoked!.id }, admin);
      });
      afterAll(async () => {
        await app?.close();
        await database.drop?.();
        await rm(dir, { recursive: true, force: true });
      });

      it('a door key naming another door, a key without the scope, a revoked key, no key: refused, each audited once', async () => {
        const camera = { image: path.join(seed, 'camera_0.jpg') };
        const cases = [
          { token: keys.doorA!.token, door: doors.b, reason: 'wrong_door', apiKeyId: keys.doorA!.id, doorId: doors.a },
          { token: keys.readOnly!.token, door: null, reason: 'missing_scope', apiKeyId: keys.readOnly!.id, doorId: null },
          { token: keys.revoked!.token, door: null, reason: 'revoked_key', apiKeyId: keys.revoked!.id, doorId: doors.a },
          { token: undefined, door: doors.b, reason: 'unauthenticated', apiKeyId: null, doorId: doors.b },
          { token: 'fg_notakey_0000000000000000', door: null, reason: 'invalid_credentials', apiKeyId: null, doorId: null },
        ];
        for (const c of cases) {
          const before = await events();
          const { body } = await client.upload(IDENTIFY, { image: null, door: c.door }, camera, c.token);
          expect(body.data?.identifyFace ?? body.errors, c.reason).toMatchObject({ code: 'UNAUTHORIZED' });
          expect(await events(), c.reason).toBe(before + 1);
          const [row] = await app.db.prisma.recognitionEvent.findMany({ orderBy: { createdAt: 'desc' }, take: 1 });
          expect(row, c.reason).toMatchObject({
            decision: 'error',
            reason: c.reason,
            apiKeyId: c.apiKeyId,
            doorId: c.doorId,
            thumbnail: null,
          });
        }
        const before = await events();
        const verified = await client.upload(
          VERIFY,
          { input: { cardId: '1042', doorId: doors.b, image: null } },
          { 'input.image': path.join(seed, 'camera_0.jpg') },
          keys.doorA!.token,
        );
        expect(verified.body.data!.verifyFace).toMatchObject({ code: 'UNAUTHORIZED' });
        expect(await app.db.prisma.recognitionEvent.findFirst({ orderBy: { createdAt: 'desc' } })).toMatchObject({
          kind: 'verify',
          reason: 'wrong_door',
          claimedLabel: '1042',
        });
        expect(await events()).toBe(before + 1);
      });

      it(`under 3x the worker queue (${3 * (QUEUE + 1)} at once): every answer typed (BUSY with a retry-after), every attempt audited`, async () => {
        const before = await events();
        const attempts = 3 * (QUEUE + 1);
        const answers = await Promise.all(
          Array.from({ length: attempts }, () =>
            client.upload(IDENTIFY, { image: null, door: null }, { image: path.join(seed, 'camera_0.jpg') }, keys.doorA!.token),
          ),
        );
        const types = answers.map((a) => a.body.data?.identifyFace?.__typename ?? 'masked');
        expect(
          types.every((t) => t === 'MutationIdentifyFaceSuccess' || t === 'BusyError'),
          types.join(),
        ).toBe(true);
        expect(types.filter((t) => t === 'BusyError').length).toBeGreaterThan(0);
        expect(
          answers.find((a) => a.body.data?.identifyFace?.__typename === 'BusyError')!.body.data!.identifyFace.retryAfterSeconds,
        ).toBeGreaterThan(0);
        expect(await events()).toBe(before + attempts);
        const busy = await app.db.prisma.recognitionEvent.count({ where: { reason: 'busy' } });
        expect(busy).toBe(types.filter((t) => t === 'BusyError').length);
      });
    },
  );
}
