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
const PEOPLE = ['benoit', 'kian', 'younes'];

// Everything a door's answer could lead to: the person, the candidates, the audit row, faces.
const PERSON = 'id name cardId notes thumbnail';
const IDENTIFY = `mutation ($image: File!) { identifyFace(image: $image) { __typename
  ... on MutationIdentifyFaceSuccess { data { decision reason person { ${PERSON} } candidates { distance person { ${PERSON} } } event { id decision reason claimedLabel decidedLabel decidedPersonId thumbnail } } }
  ... on Error { code } } }`;
const VERIFY = `mutation ($input: VerifyFaceInput!) { verifyFace(input: $input) { __typename
  ... on MutationVerifyFaceSuccess { data { decision reason person { ${PERSON} } event { id claimedLabel claimedPersonId thumbnail } } }
  ... on Error { code } } }`;

for (const database of databases()) {
  describe.skipIf(!hasFaces('seed') || database.skip)(
    `least privilege for door keys on ${database.name}${database.skip ? ` (${database.skip})` : ''} (needs ${seed})`,
    () => {
      let app: App;
      let dir: string;
      let admin: string;
      let door: string;
      let verifyOnly: string;
      let client: ReturnType<typeof apiClient>;

      beforeAll(async () => {
        dir = await mkdtemp(path.join(tmpdir(), 'facegate-privilege-'));
        app = await createApp(
          loadConfig({
            DATABASE_URL: await database.url(dir),
            FACEGATE_ADMIN_EMAIL: ADMIN.email,
            FACEGATE_ADMIN_PASSWORD: ADMIN.password,
            FACEGATE_RECOGNIZER_THREADS: '2',
          }),
        );
        // The tests send photo files, not camera frames: liveness off, as the README says such a door sets it.
        await app.services.updateSettings({ liveness: 'off' });
        client = apiClient(app);
        admin = await client.login(ADMIN.email, ADMIN.password);
        for (const name of PEOPLE) {
          const id = (
            await client.gql(
              `mutation ($n: String!) { createPerson(input: { name: $n, cardId: "card-${name}", notes: "secret note about ${name}" }) { ... on MutationCreatePersonSuccess { data { id } } } }`,
              { n: name },
              admin,
            )
          ).body.data!.createPerson.data.id;
          await client.upload(
            `mutation ($id: ID!, $images: [File!]!) { enrollFaces(personId: $id, images: $images) { __typename } }`,
            { id, images: [null] },
            { 'images.0': path.join(seed, `${name}.jpg`) },
            admin,
          );
        }
        const doorId = (
          await client.gql(`mutation { createDoor(name: "lobby") { ... on MutationCreateDoorSuccess { data { id } } } }`, {}, admin)
        ).body.data!.createDoor.data.id;
        const key = async (scopes: string) =>
          (
            await client.gql(
              `mutation ($d: ID) { createApiKey(name: "k", scopes: [${scopes}], doorId: $d) { ... on MutationCreateApiKeySuccess { data { token } } } }`,
              { d: doorId },
              admin,
            )
          ).body.data!.createApiKey.data.token;
        door = await key('VERIFY, IDENTIFY');
        verifyOnly = await key('VERIFY');
      });
      afterAll(async () => {
        await app?.close();
        await database.drop?.();
        await rm(dir, { recursive: true, force: true });
      });

      it('a door key learns who it let in (id and name), never the register, the candidates, the audit row or any face', async () => {
        const { body } = await client.upload(IDENTIFY, { image: null }, { image: path.join(seed, 'camera_0.jpg') }, door);
        const result = body.data!.identifyFace.data;
        expect(result.decision).toBe('ACCEPTED');
        expect(result.person).toEqual({ id: expect.any(String), name: 'younes', cardId: null, notes: null, thumbnail: null });
        expect(result.candidates).toEqual([]);
        expect(result.event).toMatchObject({
          decision: 'ACCEPTED',
          claimedLabel: null,
          decidedLabel: null,
          decidedPersonId: null,
          thumbnail: null,
        });
        expect(JSON.stringify(body)).not.toMatch(/card-|secret note|data:image/);
        // The samples (and their faces) are refused outright.
        const samples = await client.upload(
          `mutation ($image: File!) { identifyFace(image: $image) { ... on MutationIdentifyFaceSuccess { data { person { samples { thumbnail } } } } } }`,
          { image: null },
          { image: path.join(seed, 'camera_0.jpg') },
          door,
        );
        expect(JSON.stringify(samples.body)).not.toMatch(/data:image/);
        expect(samples.body.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED');
      });

      it('a verify-only key cannot learn whose card it is: refused, the claimed person stays unnamed', async () => {
        const { body } = await client.upload(
          VERIFY,
          { input: { cardId: 'card-kian', image: null } },
          { 'input.image': path.join(seed, 'camera_2.jpg') },
          verifyOnly,
        );
        const result = body.data!.verifyFace.data;
        expect(result).toMatchObject({
          decision: 'REFUSED',
          person: null,
          event: { claimedLabel: null, claimedPersonId: null, thumbnail: null },
        });
        expect(JSON.stringify(body)).not.toMatch(/kian/);
        // The audit keeps it all, for those who may read it.
        const row = await app.db.prisma.recognitionEvent.findUniqueOrThrow({ where: { id: result.event.id } });
        expect(row).toMatchObject({ claimedLabel: 'kian', decision: 'refused' });
      });

      it('a door key gets the decision, a coarse reason and the accepted name: no score, and an unknown claim reads like a wrong face', async () => {
        const ANSWER = `mutation ($input: VerifyFaceInput!) { verifyFace(input: $input) { __typename
        ... on MutationVerifyFaceSuccess { data { decision reason distance threshold stepUpThreshold framesUsed stepUpReason person { name }
          event { reason distance threshold rivalDistance model framesUsed stepUpReason } } }
        ... on Error { code } } }`;
        const unknown = await client.upload(
          ANSWER,
          { input: { cardId: 'card-nobody', image: null } },
          { 'input.image': path.join(seed, 'camera_2.jpg') },
          verifyOnly,
        );
        const wrongFace = await client.upload(
          ANSWER,
          { input: { cardId: 'card-kian', image: null } },
          { 'input.image': path.join(seed, 'camera_2.jpg') },
          verifyOnly,
        );
        const blank = { distance: null, threshold: null, stepUpThreshold: null, framesUsed: null, stepUpReason: null, person: null };
        const event = {
          reason: 'refused',
          distance: null,
          threshold: null,
          rivalDistance: null,
          model: null,
          framesUsed: null,
          stepUpReason: null,
        };
        expect(unknown.body.data!.verifyFace.data).toEqual({ decision: 'REFUSED', reason: 'refused', ...blank, event });
        // The same answer whether the card is enrolled or not: a key cannot list who is.
        expect(wrongFace.body.data!.verifyFace.data).toEqual(unknown.body.data!.verifyFace.data);
        expect(unknown.body.errors ?? []).toEqual([]);
        // The audit keeps why, and the scores, for administrators.
        const rows = await app.db.prisma.recognitionEvent.findMany({ orderBy: { createdAt: 'desc' }, take: 2 });
        expect(rows.map((r) => [r.reason, r.distance === null])).toEqual([
          ['no_match', false],
          ['unknown_person', true],
        ]);
        const opened = await client.upload(
          ANSWER,
          { input: { name: 'younes', image: null } },
          { 'input.image': path.join(seed, 'camera_0.jpg') },
          door,
        );
        expect(opened.body.data!.verifyFace.data).toMatchObject({
          decision: 'ACCEPTED',
          reason: 'accepted',
          ...blank,
          person: { name: 'younes' },
          event: { ...event, reason: 'accepted' },
        });
        // Neither the thresholds in force nor the other doors.
        for (const query of ['{ settings { threshold stepUp } }', '{ doors { id name } }']) {
          const { body } = await client.gql(query, {}, door);
          expect(body.errors?.[0]?.extensions?.code, query).toBe('UNAUTHORIZED');
          expect(JSON.stringify(body.data ?? null)).not.toMatch(/threshold|lobby/);
        }
      });

      it('the register without faces:read shows no face; the audit log without people:read or faces:read shows no face either', async () => {
        const key = async (scopes: string) =>
          (
            await client.gql(
              `mutation { createApiKey(name: "r", scopes: [${scopes}]) { ... on MutationCreateApiKeySuccess { data { token } } } }`,
              {},
              admin,
            )
          ).body.data!.createApiKey.data.token;
        const register = await key('PEOPLE_READ');
        const people = await client.gql(`{ people { edges { node { name cardId notes thumbnail } } } }`, {}, register);
        expect(
          people.body.data!.people.edges.map((e: { node: { name: string; cardId: string; thumbnail: string | null } }) => [
            e.node.name,
            e.node.cardId,
            e.node.thumbnail,
          ]),
        ).toEqual([
          ['benoit', 'card-benoit', null],
          ['kian', 'card-kian', null],
          ['younes', 'card-younes', null],
        ]);
        const samples = await client.gql(`{ people { edges { node { samples { thumbnail } } } } }`, {}, register);
        expect(samples.body.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED');
        expect(JSON.stringify(samples.body)).not.toMatch(/data:image/);
        const auditor = await key('AUDIT_READ');
        const events = await client.gql(
          `{ recognitionEvents(first: 10) { edges { node { decidedLabel claimedLabel thumbnail } } } }`,
          {},
          auditor,
        );
        const nodes = events.body.data!.recognitionEvents.edges.map((e: { node: unknown }) => e.node);
        expect(nodes.length).toBeGreaterThan(0);
        expect(nodes.every((n: { thumbnail: string | null }) => n.thumbnail === null)).toBe(true);
        expect(nodes.some((n: { decidedLabel: string | null }) => n.decidedLabel === 'younes')).toBe(true);
      });

      it('an administrator still sees the whole answer', async () => {
        const { body } = await client.upload(IDENTIFY, { image: null }, { image: path.join(seed, 'camera_0.jpg') }, admin);
        const result = body.data!.identifyFace.data;
        expect(result.person).toMatchObject({ name: 'younes', cardId: 'card-younes', notes: 'secret note about younes' });
        expect(result.person.thumbnail).toMatch(/^data:image\/jpeg/);
        expect(result.candidates.length).toBe(3);
        expect(result.event).toMatchObject({ decidedLabel: 'younes' });
        expect(result.reason).toBe('match');
        const scored = await client.upload(
          `mutation ($image: File!) { identifyFace(image: $image) { ... on MutationIdentifyFaceSuccess { data { distance threshold framesUsed event { distance threshold reason } } } } }`,
          { image: null },
          { image: path.join(seed, 'camera_0.jpg') },
          admin,
        );
        expect(scored.body.data!.identifyFace.data).toMatchObject({
          distance: expect.any(Number),
          threshold: expect.any(Number),
          framesUsed: 1,
          event: { distance: expect.any(Number), threshold: expect.any(Number), reason: 'match' },
        });
      });
    },
  );
}
