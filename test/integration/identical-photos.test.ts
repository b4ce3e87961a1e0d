import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces } from '@facegate/face-core';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { apiClient } from './api-client.ts';
import { databases } from './databases.ts';

// Issue 25, item 3: the same photo (the same bytes, or the same picture re-encoded: a face at a
// near-zero distance from one of the same person's samples) is reported ALREADY_ENROLLED and not stored
// again, at enrolment, for two identical webcam frames, and when the same zip is imported twice.
const deepface = path.join(facesDir(), 'deepface');
const photo = (person: string, file: string) => path.join(deepface, person, file);
const ADMIN = { email: 'admin@facegate.test', password: 'correct horse battery' };
const ENROLL = `mutation ($id: ID!, $images: [File!]!, $allow: Boolean) { enrollFaces(personId: $id, images: $images, allowDuplicates: $allow) { __typename
  ... on MutationEnrollFacesSuccess { data { enrolled { id } rejected { index filename code message duplicateOf { id name } duplicateDistance } } } ... on Error { code message } } }`;
const IMPORT = `mutation ($archive: File!, $allow: Boolean) { importPeople(archive: $archive, allowDuplicates: $allow) { __typename
  ... on MutationImportPeopleSuccess { data { people { name created photos enrolled person { id } rejected { filename code message duplicateOf { name } } } } } ... on Error { code message } } }`;

for (const database of databases()) {
  describe.skipIf(!hasFaces('deepface') || database.skip)(
    `identical photos stored once on ${database.name}${database.skip ? ` (${database.skip})` : ''} (needs ${deepface})`,
    () => {
      let app: App;
      let dir: string;
      let admin: string;
      let client: ReturnType<typeof apiClient>;
      let ann: string;
      type File = string | { name: string; bytes: Uint8Array };
      const enroll = async (personId: string, files: File[], allow = false) =>
        (
          await client.upload(
            ENROLL,
            { id: personId, images: files.map(() => null), allow },
            Object.fromEntries(files.map((f, i) => [`images.${i}`, f])),
            admin,
          )
        ).body.data!.enrollFaces;
      const samples = (personId: string) => app.db.prisma.faceSample.count({ where: { personId } });

      beforeAll(async () => {
        dir = await mkdtemp(path.join(tmpdir(), 'facegate-identical-'));
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
        ann = (await app.services.people.create({ name: 'Ann' })).id;
      }, 60_000);
      afterAll(async () => {
        await app?.close();
        await database.drop?.();
        await rm(dir, { recursive: true, force: true });
      });

      it('the same bytes, or the same photo re-saved, are already enrolled; another photo of the person is enrolled', async () => {
        const first = await enroll(ann, [photo('person_01', 'img1.jpg')]);
        expect(first.data.enrolled).toHaveLength(1);

        const again = await enroll(ann, [photo('person_01', 'img1.jpg')]);
        expect(again.data.enrolled).toHaveLength(0);
        expect(again.data.rejected).toEqual([
          expect.objectContaining({
            code: 'ALREADY_ENROLLED',
            duplicateOf: { id: ann, name: 'Ann' },
            message: expect.stringMatching(/already enrolled for Ann .*not stored again/),
          }),
        ]);
        expect(again.data.rejected[0].duplicateDistance).toBeLessThan(0.01);

        // Re-saved at JPEG quality 70 and 90 % of its size: other bytes, the same picture.
        const resaved = await sharp(await readFile(photo('person_01', 'img1.jpg')))
          .resize({ width: Math.round(((await sharp(photo('person_01', 'img1.jpg')).metadata()).width ?? 600) * 0.9) })
          .jpeg({ quality: 70 })
          .toBuffer();
        const copy = await enroll(ann, [{ name: 'copy.jpg', bytes: new Uint8Array(resaved) }]);
        expect(copy.data.rejected).toEqual([expect.objectContaining({ code: 'ALREADY_ENROLLED' })]);
        const other = await enroll(ann, [photo('person_01', 'img10.jpg')]);
        expect(other.data.enrolled).toHaveLength(1);
        // The override of duplicates (someone else's face) does not store a photo twice either.
        expect((await enroll(ann, [photo('person_01', 'img10.jpg')], true)).data.rejected).toEqual([
          expect.objectContaining({ code: 'ALREADY_ENROLLED' }),
        ]);
        expect(await samples(ann)).toBe(2);
        console.log(
          `same bytes ${again.data.rejected[0].duplicateDistance.toFixed(4)}, re-saved ${copy.data.rejected[0].duplicateDistance.toFixed(4)}`,
        );
      });

      it('two identical frames in one request (a webcam held still) are stored once', async () => {
        const ben = (await app.services.people.create({ name: 'Ben' })).id;
        const frame = { name: 'webcam-1.jpg', bytes: new Uint8Array(await readFile(photo('person_02', 'img12.jpg'))) };
        const result = await enroll(ben, [frame, { ...frame, name: 'webcam-2.jpg' }]);
        expect(result.data.enrolled).toHaveLength(1);
        expect(result.data.rejected).toEqual([
          expect.objectContaining({ index: 1, code: 'ALREADY_ENROLLED', message: expect.stringContaining('the same as webcam-1.jpg') }),
        ]);
        expect(await samples(ben)).toBe(1);
      });

      it('importing the same zip twice adds nothing the second time, and says so per photo', async () => {
        const files = {
          'team/Cleo/a.jpg': photo('person_03', 'img48.jpg'),
          'team/Cleo/b.jpg': photo('person_03', 'img49.jpg'),
          'team/Dan/a.jpg': photo('person_04', 'img13.jpg'),
        };
        const zip = zipSync(
          Object.fromEntries(
            await Promise.all(Object.entries(files).map(async ([name, file]) => [name, new Uint8Array(await readFile(file))] as const)),
          ),
        );
        const run = async (allow = false) =>
          (await client.upload(IMPORT, { archive: null, allow }, { archive: { name: 'team.zip', bytes: zip } }, admin)).body.data!
            .importPeople.data.people as {
            name: string;
            created: boolean;
            enrolled: number;
            rejected: { code: string }[];
            person: { id: string } | null;
          }[];
        const first = await run();
        const enrolledFirst = first.reduce((n, p) => n + p.enrolled, 0);
        expect(enrolledFirst).toBeGreaterThanOrEqual(2);
        const counts = await app.db.prisma.faceSample.count();
        for (const allow of [false, true]) {
          const second = await run(allow);
          expect(second.map((p) => ({ name: p.name, created: p.created, enrolled: p.enrolled }))).toEqual(
            first.map((p) => ({ name: p.name, created: false, enrolled: 0 })),
          );
          // Every photo enrolled the first time is reported already enrolled, by name.
          expect(second.flatMap((p) => p.rejected.filter((r) => r.code === 'ALREADY_ENROLLED')).length).toBe(enrolledFirst);
          expect(await app.db.prisma.faceSample.count()).toBe(counts);
        }
        expect(await app.db.prisma.person.count({ where: { name: { in: ['Cleo', 'Dan'] } } })).toBe(2);
      });
    },
  );
}
