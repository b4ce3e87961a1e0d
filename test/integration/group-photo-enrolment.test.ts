import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces } from '@facegate/face-core';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { apiClient } from './api-client.ts';
import { databases } from './databases.ts';

// Issue 25, item 7: a photo of several people says how many faces were found (and that small ones
// may be missed), and the administrator may choose the face to enrol (its box, checked).
const group = path.join(facesDir(), 'groups', 'images', '2008_001009.jpg');
const ADMIN = { email: 'admin@facegate.test', password: 'correct horse battery' };
const ENROLL_PERSON = `mutation ($input: PersonInput!, $images: [File!]!, $faces: [FaceChoice!]) { enrollPerson(input: $input, images: $images, faces: $faces) { __typename
  ... on MutationEnrollPersonSuccess { data { person { id samples { photo { faces { x y width height used note } } } } enrolled { id } rejected { index code message photo { faces { x y width height } } } } }
  ... on Error { code message } } }`;

type Box = { x: number; y: number; width: number; height: number };
const iou = (a: Box, b: Box) => {
  const w = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const h = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  return (w * h) / (a.width * a.height + b.width * b.height - w * h);
};

for (const database of databases()) {
  describe.skipIf(!hasFaces('groups') || database.skip)(
    `choosing the face in a group photo on ${database.name}${database.skip ? ` (${database.skip})` : ''} (needs ${group})`,
    () => {
      let app: App;
      let dir: string;
      let admin: string;
      let client: ReturnType<typeof apiClient>;
      const enroll = async (name: string, faces?: unknown[]) =>
        (await client.upload(ENROLL_PERSON, { input: { name }, images: [null], faces: faces ?? null }, { 'images.0': group }, admin)).body
          .data!.enrollPerson;

      beforeAll(async () => {
        dir = await mkdtemp(path.join(tmpdir(), 'facegate-group-'));
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
      }, 60_000);
      afterAll(async () => {
        await app?.close();
        await database.drop?.();
        await rm(dir, { recursive: true, force: true });
      });

      it('says how many faces were found, enrols the face chosen, and checks the choice', async () => {
        const refused = await enroll('Somebody');
        expect(refused.data.person).toBeNull();
        const [photo] = refused.data.rejected;
        expect(photo).toMatchObject({
          code: 'MULTIPLE_FACES',
          message: expect.stringMatching(/^2 faces were found in this photo \(very small faces may be missed\): choose the face to enrol/),
        });
        const faces = photo.photo.faces as Box[];
        expect(faces).toHaveLength(2);

        // The second (smaller) face, chosen by its box.
        const chosen = await enroll('Second face', [{ image: 0, ...faces[1]! }]);
        expect(chosen.data.enrolled).toHaveLength(1);
        const stored = chosen.data.person.samples[0].photo.faces as {
          x: number;
          y: number;
          width: number;
          height: number;
          used: boolean;
          note: string | null;
        }[];
        const used = stored.filter((f) => f.used);
        expect(used).toHaveLength(1);
        // The same face (the detector, searching small faces too here, boxes it a few pixels apart), not the other.
        expect(iou(used[0]!, faces[1]!)).toBeGreaterThan(0.8);
        expect(iou(used[0]!, faces[0]!)).toBe(0);
        for (const other of stored.filter((f) => !f.used)) expect(other.note).toBe('not enrolled: another face of this photo was chosen');

        // Checked: a photo that is not in the request, two faces for one photo, no box, no face there.
        expect(await enroll('Nobody', [{ image: 1, ...faces[0]! }])).toMatchObject({
          code: 'INVALID_INPUT',
          message: expect.stringContaining('image 1 is not one of the 1 photos sent'),
        });
        expect(
          await enroll('Nobody', [
            { image: 0, ...faces[0]! },
            { image: 0, ...faces[1]! },
          ]),
        ).toMatchObject({ code: 'INVALID_INPUT' });
        expect(await enroll('Nobody', [{ image: 0, x: 0, y: 0, width: 0, height: 10 }])).toMatchObject({ code: 'INVALID_INPUT' });
        const nowhere = await enroll('Nobody', [{ image: 0, x: 0, y: 0, width: 3, height: 3 }]);
        expect(nowhere.data.person).toBeNull();
        expect(nowhere.data.rejected).toEqual([
          expect.objectContaining({
            code: 'NO_SUCH_FACE',
            message: expect.stringContaining('no face was found where the face was chosen'),
          }),
        ]);
        expect(await app.db.prisma.person.count({ where: { name: 'Nobody' } })).toBe(0);
      });
    },
  );
}
