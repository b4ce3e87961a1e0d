import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces } from '@facegate/face-core';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { apiClient } from './api-client.ts';
import { databases } from './databases.ts';

const seed = path.join(facesDir(), 'seed');
const EMPLOYEES = ['andrew', 'arnaud', 'benoit', 'bertrand', 'dan', 'danielle', 'felix', 'kevin', 'kian', 'sebastiano', 'tian', 'younes'];
const photo = (name: string) => path.join(seed, name === 'danielle' ? 'danielle.png' : `${name}.jpg`);
const ADMIN = { email: 'admin@facegate.test', password: 'correct horse battery' };

const VERIFY = `mutation ($input: VerifyFaceInput!) {
  verifyFace(input: $input) {
    __typename
    ... on MutationVerifyFaceSuccess { data { decision accepted reason distance threshold person { name } event { id decision reason claimedLabel thumbnail } } }
    ... on Error { code message }
  }
}`;
const IDENTIFY = `mutation ($image: File!) {
  identifyFace(image: $image) {
    __typename
    ... on MutationIdentifyFaceSuccess { data { decision distance person { name } candidates { distance person { name } } event { id } } }
    ... on Error { code message }
  }
}`;

for (const database of databases()) {
  describe.skipIf(!hasFaces('seed') || database.skip)(
    `the exercise's office through GraphQL on ${database.name}${database.skip ? ` (${database.skip})` : ''} (needs ${seed})`,
    () => {
      let app: App;
      let dir: string;
      let admin: string;
      let client: ReturnType<typeof apiClient>;
      const ids: Record<string, string> = {};

      beforeAll(async () => {
        dir = await mkdtemp(path.join(tmpdir(), 'facegate-api-'));
        const url = await database.url(dir);
        app = await createApp(
          loadConfig({
            DATABASE_URL: url,
            FACEGATE_ADMIN_EMAIL: ADMIN.email,
            FACEGATE_ADMIN_PASSWORD: ADMIN.password,
            FACEGATE_RECOGNIZER_THREADS: '2',
          }),
        );
        // The tests send photo files, not camera frames: liveness off, as the README says such a door sets it.
        await app.services.updateSettings({ liveness: 'off' });
        client = apiClient(app);
        admin = await client.login(ADMIN.email, ADMIN.password);
        for (const name of EMPLOYEES) {
          const created = await client.gql(
            `mutation ($n: String!, $c: String) { createPerson(input: { name: $n, cardId: $c }) { ... on MutationCreatePersonSuccess { data { id } } } }`,
            { n: name, c: `card-${name}` },
            admin,
          );
          ids[name] = created.body.data!.createPerson.data.id;
          const enrolled = await client.upload(
            `mutation ($id: ID!, $images: [File!]!) { enrollFaces(personId: $id, images: $images) { ... on MutationEnrollFacesSuccess { data { enrolled { id } rejected { code } } } } }`,
            { id: ids[name], images: [null] },
            { 'images.0': photo(name) },
            admin,
          );
          expect(enrolled.body.data!.enrollFaces.data.enrolled).toHaveLength(1);
        }
      });
      afterAll(async () => {
        await app?.close();
        await database.drop?.();
        await rm(dir, { recursive: true, force: true });
      });

      it('verifies camera_0 as younes', async () => {
        const { body } = await client.upload(
          VERIFY,
          { input: { name: 'younes', image: null } },
          { 'input.image': path.join(seed, 'camera_0.jpg') },
          admin,
        );
        const result = body.data!.verifyFace.data;
        expect(result).toMatchObject({ decision: 'ACCEPTED', accepted: true, reason: 'match', person: { name: 'younes' } });
        expect(result.distance).toBeLessThan(result.threshold);
        expect(result.event.thumbnail).toMatch(/^data:image\/jpeg;base64,/);
      });

      it("refuses camera_2 (benoit) swiping kian's card, and audits it", async () => {
        const { body } = await client.upload(
          VERIFY,
          { input: { cardId: 'card-kian', image: null } },
          { 'input.image': path.join(seed, 'camera_2.jpg') },
          admin,
        );
        const result = body.data!.verifyFace.data;
        expect(result).toMatchObject({ decision: 'REFUSED', accepted: false, reason: 'no_match', person: { name: 'kian' } });
        const audit = await client.gql(
          `query ($id: ID!) { recognitionEvent(id: $id) { kind decision reason claimedLabel distance } }`,
          { id: result.event.id },
          admin,
        );
        expect(audit.body.data!.recognitionEvent).toMatchObject({
          kind: 'VERIFY',
          decision: 'REFUSED',
          reason: 'no_match',
          claimedLabel: 'kian',
        });
      });

      it('streams new attempts to subscribers over server-sent events', async () => {
        const response = await app.yoga.fetch('http://facegate.test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${admin}` },
          body: JSON.stringify({ query: 'subscription { recognitionEvents { kind decidedLabel decision } }' }),
        });
        expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
        const reader = response.body!.getReader();
        const attempt = client.upload(IDENTIFY, { image: null }, { image: path.join(seed, 'camera_1.jpg') }, admin);
        let text = '';
        while (!text.includes('recognitionEvents')) text += new TextDecoder().decode((await reader.read()).value);
        await reader.cancel();
        await attempt;
        expect(text).toMatch(/"kind":"IDENTIFY","decidedLabel":"bertrand","decision":"ACCEPTED"/);
      });

      it('identifies camera_0 as younes without a card', async () => {
        const { body } = await client.upload(IDENTIFY, { image: null }, { image: path.join(seed, 'camera_0.jpg') }, admin);
        const result = body.data!.identifyFace.data;
        expect(result.decision).toBe('ACCEPTED');
        expect(result.person.name).toBe('younes');
        expect(result.candidates[0].person.name).toBe('younes');
      });

      it('answers a photo without a face with a typed error, and audits the attempt', async () => {
        const wall = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#8a7f70' } })
          .png()
          .toBuffer();
        const blank = { name: 'wall.png', bytes: new Uint8Array(wall) };
        const { body } = await client.upload(IDENTIFY, { image: null }, { image: blank }, admin);
        expect(body.data!.identifyFace).toMatchObject({ __typename: 'FaceRejectedError', code: 'NO_FACE' });
        const garbage = await client.upload(
          IDENTIFY,
          { image: null },
          { image: { name: 'x.jpg', bytes: new TextEncoder().encode('not a photo') } },
          admin,
        );
        expect(garbage.body.data!.identifyFace).toMatchObject({ __typename: 'FaceRejectedError', code: 'INVALID_IMAGE' });
        const errors = await client.gql(
          `{ recognitionEvents(filter: { decision: ERROR }) { totalCount edges { node { reason } } } }`,
          {},
          admin,
        );
        expect(errors.body.data!.recognitionEvents.edges.map((e: { node: { reason: string } }) => e.node.reason).sort()).toEqual([
          'invalid_image',
          'no_face',
        ]);
      });

      it('deletes a person for good: samples and encodings gone, their audit events pseudonymised and without faces', async () => {
        const deleted = await client.gql(
          `mutation ($id: ID!) { deletePerson(id: $id) { ... on MutationDeletePersonSuccess { data { name samplesErased auditImagesErased } } } }`,
          { id: ids.kian },
          admin,
        );
        expect(deleted.body.data!.deletePerson.data).toMatchObject({ name: 'kian', samplesErased: 1 });
        expect(deleted.body.data!.deletePerson.data.auditImagesErased).toBeGreaterThan(0);
        expect(await app.db.prisma.faceSample.count({ where: { personId: ids.kian! } })).toBe(0);
        expect(await app.db.prisma.person.count({ where: { id: ids.kian! } })).toBe(0);
        expect(await app.db.prisma.recognitionEvent.count({ where: { OR: [{ claimedLabel: 'kian' }, { decidedLabel: 'kian' }] } })).toBe(0);
        const events = await app.db.prisma.recognitionEvent.findMany({ where: { claimedLabel: { startsWith: 'erased-' } } });
        expect(events.length).toBeGreaterThan(0);
        expect(events.every((e) => e.claimedPersonId === null && e.thumbnail === null && e.decision === 'refused')).toBe(true);
        expect(app.services.gallery.get(ids.kian!)).toBeUndefined();
      });
    },
  );
}
