import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Secret } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces } from '@facegate/face-core';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { apiClient } from './api-client.ts';
import { databases } from './databases.ts';

const seed = path.join(facesDir(), 'seed');
const ADMIN = { email: 'admin@facegate.test', password: 'correct horse battery' };
const SEALED = Buffer.from('fgE1');

for (const database of databases()) {
  describe.skipIf(!hasFaces('seed') || database.skip)(
    `encodings and faces sealed at rest (AES-256-GCM) on ${database.name}${database.skip ? ` (${database.skip})` : ''} (needs ${seed})`,
    () => {
      let dir: string;
      let url: string;
      let keyFile: string;
      let app: App;
      const env = (extra: Record<string, string> = {}) =>
        loadConfig({
          DATABASE_URL: url,
          FACEGATE_ADMIN_EMAIL: ADMIN.email,
          FACEGATE_ADMIN_PASSWORD: ADMIN.password,
          FACEGATE_RECOGNIZER_THREADS: '1',
          FACEGATE_DATA_KEY_FILE: keyFile,
          ...extra,
        });

      beforeAll(async () => {
        dir = await mkdtemp(path.join(tmpdir(), 'facegate-at-rest-'));
        url = await database.url(dir);
        keyFile = path.join(dir, 'keys', 'data.key');
        app = await createApp(env());
        // The tests send photo files, not camera frames: liveness off, as the README says such a door sets it.
        await app.services.updateSettings({ liveness: 'off' });
      });
      afterAll(async () => {
        await app?.close();
        await database.drop?.();
        await rm(dir, { recursive: true, force: true });
      });

      it('stores no readable encoding or face: sealed rows, a 0600 key file outside the database, the API still serves them', async () => {
        expect(statSync(keyFile).mode & 0o777).toBe(0o600);
        const person = await app.services.people.create({ name: 'younes' });
        const { enrolled } = await app.services.people.enroll(person.id, [
          { filename: 'younes.jpg', bytes: new Uint8Array(await readFile(path.join(seed, 'younes.jpg'))) },
        ]);
        expect(enrolled).toHaveLength(1);
        const client = apiClient(app);
        const admin = await client.login(ADMIN.email, ADMIN.password);
        const verified = await client.upload(
          `mutation ($input: VerifyFaceInput!) { verifyFace(input: $input) { ... on MutationVerifyFaceSuccess { data { decision event { id thumbnail } } } } }`,
          { input: { name: 'younes', image: null } },
          { 'input.image': path.join(seed, 'camera_0.jpg') },
          admin,
        );
        const { decision, event } = verified.body.data!.verifyFace.data;
        expect(decision).toBe('ACCEPTED');

        const sample = await app.db.prisma.faceSample.findFirstOrThrow({ where: { personId: person.id } });
        const row = await app.db.prisma.recognitionEvent.findUniqueOrThrow({ where: { id: event.id } });
        for (const stored of [sample.encoding, sample.thumbnail, row.thumbnail!])
          expect(Buffer.from(stored).subarray(0, 4)).toEqual(SEALED);
        // What the API serves is the face; what the database holds is not.
        const face = Buffer.from(event.thumbnail.split(',')[1], 'base64');
        expect(face.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
        expect(Buffer.from(row.thumbnail!).includes(face.subarray(100, 164))).toBe(false);
        const people = await client.gql(`{ people { edges { node { thumbnail samples { encoding } } } } }`, {}, admin);
        const [node] = people.body.data!.people.edges;
        expect(node.node.thumbnail).toMatch(/^data:image\/jpeg;base64,\/9j\//);
        expect(node.node.samples[0].encoding).toHaveLength(128);
        if (database.name === 'SQLite') {
          const file = new URL(url.replace('file:', 'file://')).pathname;
          await app.db.prisma.$queryRawUnsafe('PRAGMA wal_checkpoint(TRUNCATE)');
          const bytes = Buffer.concat([await readFile(file), ...(existsSync(`${file}-wal`) ? [await readFile(`${file}-wal`)] : [])]);
          expect(bytes.includes(face.subarray(100, 164))).toBe(false);
          expect(path.dirname(keyFile)).not.toBe(path.dirname(file));
        }
      });

      it('rotates the data key: everything re-sealed under the new key, readable without the old one', async () => {
        // An administrator's TOTP secret is sealed too (one being enrolled here).
        const admin = await app.db.prisma.admin.findUniqueOrThrow({ where: { email: ADMIN.email } });
        const { secret } = await app.services.signIn.startTotpEnrolment({ adminId: admin.id });
        await app.close();
        const oldKey = (await readFile(keyFile, 'utf8')).trim();
        const newKey = randomBytes(32).toString('base64');
        app = await createApp(env({ FACEGATE_DATA_KEY: newKey, FACEGATE_DATA_KEY_PREVIOUS: oldKey }));
        expect(await app.services.people.resealAll()).toEqual({ samples: 1, auditImages: 1, totpSecrets: 1, providerTokens: 0 });
        expect(await app.services.people.resealAll()).toEqual({ samples: 0, auditImages: 0, totpSecrets: 0, providerTokens: 0 });
        await app.close();
        app = await createApp(env({ FACEGATE_DATA_KEY: newKey }));
        const [person] = await app.services.people.list(null, 0, 1);
        expect(app.services.gallery.get(person!.id)?.encodings).toHaveLength(1);
        expect(await app.services.people.firstThumbnail(person!.id)).toBeInstanceOf(Buffer);
        const sealed = (await app.db.prisma.admin.findUniqueOrThrow({ where: { email: ADMIN.email } })).totpPendingSecret!;
        expect(new Secret({ buffer: Uint8Array.from(app.services.cipher.open(sealed)).buffer }).base32).toBe(secret);
      });
    },
  );
}
