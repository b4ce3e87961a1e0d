import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces } from '@facegate/face-core';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { apiClient } from './api-client.ts';
import { databases } from './databases.ts';

// Issue 13 items 3, 4, 6: the administrators' action log (and its erasure), learning faces refused at
// the doors, and the bulk import of a zip, on real photos and real databases.
const seed = path.join(facesDir(), 'seed');
const celeba = path.join(facesDir(), 'celeba-dev');
const ADMIN = { email: 'admin@facegate.test', password: 'correct horse battery' };
const VIEWER = { email: 'viewer@facegate.test', password: 'viewer password 1' };
// Two people never enrolled: one tries a door many times, the other twice.
const STRANGER = 'id_07203';
const OTHER = 'id_07213';

const IDENTIFY = `mutation ($image: File, $doorId: ID) { identifyFace(image: $image, doorId: $doorId) { __typename ... on MutationIdentifyFaceSuccess { data { decision reason attemptId } } ... on FaceRejectedError { auditEventId } ... on Error { code message } } }`;
const ACTIONS = `{ adminActions(first: 200) { totalCount edges { node { action actorKind actorLabel targetType targetId targetLabel personId details } } } }`;
const DOOR_FACES = `{ doorFaces(last: 100) { threshold considered neverLearned groups { spread faces { usable nearestDistance event { id reason thumbnail } } } unreadable { code event { id } } } }`;
const LEARN = `mutation ($ids: [ID!]!, $personId: ID, $name: String) {
  learnFacesFromDoors(eventIds: $ids, personId: $personId, newPersonName: $name) {
    __typename ... on MutationLearnFacesFromDoorsSuccess { data { person { id name sampleCount } enrolled { id } rejected { eventId code message duplicateOf { name } } } } ... on Error { code message }
  }
}`;
const IMPORT = `mutation ($archive: File!) { importPeople(archive: $archive) { __typename ... on MutationImportPeopleSuccess { data { skipped people { name created photos enrolled person { id } rejected { filename code } } } } ... on Error { code message } } }`;

const photosOf = async (id: string) =>
  (await readdir(path.join(celeba, id)))
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .map((f) => path.join(celeba, id, f));

async function databaseBytes(file: string): Promise<Buffer> {
  const parts = [await readFile(file)];
  if (existsSync(`${file}-wal`)) parts.push(await readFile(`${file}-wal`));
  return Buffer.concat(parts);
}

for (const database of databases()) {
  describe.skipIf(!hasFaces('seed') || !hasFaces('celeba-dev') || database.skip)(
    `history, learning from the doors, bulk import on ${database.name}${database.skip ? ` (${database.skip})` : ''} (needs ${seed} and ${celeba})`,
    () => {
      let app: App;
      let dir: string;
      let admin: string;
      let viewer: string;
      let door: string;
      let doorKey: string;
      let client: ReturnType<typeof apiClient>;
      const ids: Record<string, string> = {};

      const gql = async (query: string, variables: Record<string, unknown> = {}, token = admin) => {
        const { body } = await client.gql(query, variables, token);
        expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
        return body.data!;
      };
      const actions = async () =>
        (await gql(ACTIONS)).adminActions.edges.map((e: { node: Record<string, unknown> }) => e.node) as Record<string, string | null>[];
      const identify = async (file: string) =>
        (await client.upload(IDENTIFY, { image: null, doorId: door }, { image: file }, doorKey)).body.data!.identifyFace;

      beforeAll(async () => {
        dir = await mkdtemp(path.join(tmpdir(), 'facegate-history-'));
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
        admin = (await app.services.admins.login(ADMIN.email, ADMIN.password)).token;
        // A viewer allowed face images (faces:read): the faces refused at the doors are theirs to read.
        await app.services.admins.create(VIEWER.email, VIEWER.password, 'viewer', true);
        viewer = (await app.services.admins.login(VIEWER.email, VIEWER.password)).token;
        // The door is sent photo files, not camera frames: liveness off there (see the README).
        door = (await gql(`mutation { createDoor(name: "Lobby") { ... on MutationCreateDoorSuccess { data { id } } } }`)).createDoor.data
          .id;
        await gql(`mutation ($id: ID!) { updateDoor(id: $id, input: { settings: { liveness: OFF } }) { __typename } }`, { id: door });
        doorKey = (
          await gql(
            `mutation ($d: ID) { createApiKey(name: "lobby camera", scopes: [IDENTIFY, VERIFY], doorId: $d) { ... on MutationCreateApiKeySuccess { data { token } } } }`,
            { d: door },
          )
        ).createApiKey.data.token;
      });
      afterAll(async () => {
        await app?.close();
        await database.drop?.();
        await rm(dir, { recursive: true, force: true });
      });

      it("logs administrators' actions with who, what and to whom, never a secret; administrators only", async () => {
        for (const name of ['younes', 'bertrand', 'benoit']) {
          ids[name] = (
            await gql(
              `mutation ($n: String!) { createPerson(input: { name: $n }) { ... on MutationCreatePersonSuccess { data { id } } } }`,
              { n: name },
            )
          ).createPerson.data.id;
          const enrolled = await client.upload(
            `mutation ($id: ID!, $images: [File!]!) { enrollFaces(personId: $id, images: $images) { ... on MutationEnrollFacesSuccess { data { enrolled { id } } } } }`,
            { id: ids[name], images: [null] },
            { 'images.0': path.join(seed, `${name}.jpg`) },
            admin,
          );
          expect(enrolled.body.data!.enrollFaces.data.enrolled).toHaveLength(1);
        }
        await gql(`mutation { updateSettings(input: { rateLimitPerMinute: 900 }) { __typename } }`);
        const key = (
          await gql(
            `mutation { createApiKey(name: "hr export", scopes: [PEOPLE_READ]) { ... on MutationCreateApiKeySuccess { data { token apiKey { id } } } } }`,
          )
        ).createApiKey.data;
        await gql(`mutation ($id: ID!) { revokeApiKey(id: $id) { __typename } }`, { id: key.apiKey.id });
        const group = (
          await gql(`mutation { createAccessGroup(name: "Staff") { ... on MutationCreateAccessGroupSuccess { data { id } } } }`)
        ).createAccessGroup.data.id;
        await gql(`mutation ($g: ID!, $p: [ID!]!) { addGroupMembers(groupId: $g, personIds: $p) { __typename } }`, {
          g: group,
          p: [ids.younes, ids.bertrand],
        });
        await gql(
          `mutation ($p: ID!) { issueVisitorPass(personId: $p, validFrom: "2026-01-01T00:00:00Z", validUntil: "2027-01-01T00:00:00Z") { __typename } }`,
          { p: ids.benoit },
        );
        await gql(`mutation ($p: ID!) { setPersonPin(personId: $p, pin: "482915") { __typename } }`, { p: ids.younes });
        // A refused change is not an action.
        const refused = await client.gql(
          `mutation { createPerson(input: { name: "younes" }) { __typename ... on Error { code } } }`,
          {},
          admin,
        );
        expect(refused.body.data!.createPerson.code).toBe('DUPLICATE_NAME');

        const log = await actions();
        const about = (action: string) => log.filter((a) => a.action === action);
        expect(
          about('createPerson')
            .map((a) => a.targetLabel)
            .sort(),
        ).toEqual(['benoit', 'bertrand', 'younes']);
        expect(about('enrollFaces')).toHaveLength(3);
        expect(about('createDoor')[0]).toMatchObject({ targetLabel: 'Lobby', actorKind: 'admin', actorLabel: ADMIN.email });
        expect(JSON.parse(about('updateDoor')[0]!.details!)).toMatchObject({ settings: { liveness: 'off' } });
        // What was asked, and each setting before and after (the admin log's page says it in words).
        const settingsChange = JSON.parse(about('updateSettings')[0]!.details!);
        expect(settingsChange).toEqual({
          rateLimitPerMinute: 900,
          changes: { rateLimitPerMinute: { before: expect.any(Number), after: 900 } },
        });
        expect(settingsChange.changes.rateLimitPerMinute.before).not.toBe(900);
        expect(
          about('createApiKey')
            .map((a) => a.targetLabel)
            .sort(),
        ).toEqual(['hr export', 'lobby camera']);
        expect(about('revokeApiKey')[0]!.targetLabel).toBe('hr export');
        expect(
          about('addGroupMembers')
            .map((a) => a.targetLabel)
            .sort(),
        ).toEqual(['bertrand', 'younes']);
        expect(about('issueVisitorPass')[0]!.targetLabel).toBe('benoit');
        expect(about('setPersonPin')[0]!.targetLabel).toBe('younes');
        expect(about('createPerson')).toHaveLength(3);
        // Neither the key's token, the PIN, nor any face leaves a trace.
        const text = JSON.stringify(log);
        expect(text).not.toContain(key.token);
        expect(text).not.toContain('482915');
        expect(text).not.toContain('data:image');

        // Viewers read the audit and the register, not this log; nor do keys.
        expect((await client.gql(ACTIONS, {}, viewer)).body.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED');
        expect((await client.gql(ACTIONS, {}, doorKey)).body.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED');
        expect((await client.gql(ACTIONS)).body.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED');
      });

      it('shows a person their doors: allowed or why not, now, face aside', async () => {
        const data = await gql(
          `query ($id: ID!) { person(id: $id) { doorAccess { door { name } allowed reason } groups { name } passes { id } } }`,
          { id: ids.benoit },
        );
        expect(data.person.doorAccess).toEqual([{ door: { name: 'Lobby' }, allowed: true, reason: null }]);
        expect(data.person.passes).toHaveLength(1);
        // A door key reads none of it.
        const asDoor = (await client.gql(`query ($id: ID!) { person(id: $id) { doorAccess { allowed } } }`, { id: ids.benoit }, doorKey))
          .body;
        expect(asDoor.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED');
      });

      let strangerGroup: string[] = [];
      it('groups the faces refused at a door by similarity, and enrols nobody until an administrator clicks', async () => {
        const people = await app.db.prisma.person.count();
        const tries = (await photosOf(STRANGER)).slice(0, 6);
        const others = (await photosOf(OTHER)).slice(0, 2);
        const attempts: Record<string, string> = {};
        for (const file of [...tries, ...others]) {
          const answer = await identify(file);
          // A face refused by the quality gates is audited without a result: its event is read below.
          if (answer.__typename === 'MutationIdentifyFaceSuccess') {
            expect(answer.data.decision).toBe('REFUSED');
            attempts[answer.data.attemptId] = file;
          } else if (answer.auditEventId) attempts[answer.auditEventId] = file;
        }
        expect(Object.keys(attempts).length).toBeGreaterThanOrEqual(6);
        // However many times a stranger tries, nobody is enrolled.
        expect(await app.db.prisma.person.count()).toBe(people);

        const faces = (await gql(DOOR_FACES, {}, viewer)).doorFaces;
        expect(faces.threshold).toBeCloseTo(app.services.settings.current().threshold, 6);
        expect(faces.neverLearned).toContain('presentation_attack');
        const groups = faces.groups as { spread: number; faces: { event: { id: string; thumbnail: string } }[] }[];
        // Honest groups: never two people in one, every pair under the threshold.
        for (const group of groups) {
          const who = new Set(group.faces.map((f) => (attempts[f.event.id] ?? '').includes(STRANGER)));
          expect(who.size, JSON.stringify(group.faces.map((f) => attempts[f.event.id]))).toBe(1);
          expect(group.spread).toBeLessThan(faces.threshold);
          expect(group.faces.every((f) => f.event.thumbnail.startsWith('data:image/jpeg'))).toBe(true);
        }
        const largest = groups[0]!;
        expect(largest.faces.length).toBeGreaterThanOrEqual(3);
        expect(attempts[largest.faces[0]!.event.id]).toContain(STRANGER);
        strangerGroup = largest.faces.map((f) => f.event.id);
        console.log(
          `doorFaces: ${faces.considered} attempts, groups of ${groups.map((g) => g.faces.length).join(', ')} at ${faces.threshold.toFixed(3)}`,
        );
      });

      it('adds a group to a new person in one click, through enrolment, logged; viewers and keys may not', async () => {
        for (const token of [viewer, doorKey]) {
          const denied = (await client.gql(LEARN, { ids: strangerGroup, name: 'Visitor' }, token)).body;
          expect(JSON.stringify(denied)).toContain('UNAUTHORIZED');
        }
        const learned = (await gql(LEARN, { ids: strangerGroup, name: 'Visitor 7203' })).learnFacesFromDoors;
        expect(learned.__typename).toBe('MutationLearnFacesFromDoorsSuccess');
        const { person, enrolled, rejected } = learned.data;
        expect(person.name).toBe('Visitor 7203');
        expect(enrolled.length + rejected.length).toBe(strangerGroup.length);
        expect(enrolled.length).toBeGreaterThanOrEqual(1);
        // Refusals are typed: the gates on the kept face, or a duplicate of what was just enrolled.
        for (const r of rejected) expect(['TOO_BLURRY', 'POSE', 'TOO_DARK', 'TOO_BRIGHT', 'DUPLICATE_FACE', 'NO_FACE']).toContain(r.code);
        ids.visitor = person.id;
        const line = (await actions()).find((a) => a.action === 'learnFacesFromDoors')!;
        expect(line).toMatchObject({ actorLabel: ADMIN.email, targetLabel: 'Visitor 7203', personId: person.id });
        expect(JSON.parse(line.details!)).toMatchObject({ enrolled: enrolled.length, newPerson: true });
        // Learned faces leave the list of unknown faces? No: the attempts stay what they were (refused).
        // Learning the same stranger's face into someone else is refused as a duplicate, naming who.
        const again = (await gql(LEARN, { ids: [strangerGroup[0]], personId: ids.younes })).learnFacesFromDoors.data;
        expect(again.enrolled).toHaveLength(0);
        expect(again.rejected[0]).toMatchObject({ code: 'DUPLICATE_FACE', duplicateOf: { name: 'Visitor 7203' } });
      });

      it('never learns a presentation attack, an erased image, or a face a door accepted', async () => {
        const thumbnail = app.services.cipher.seal(await readFile(path.join(seed, 'kevin.jpg')));
        const attack = await app.db.prisma.recognitionEvent.create({
          data: {
            kind: 'identify',
            threshold: 0.35,
            model: 'm',
            decision: 'refused',
            reason: 'presentation_attack',
            thumbnail,
            livenessScore: 0.1,
          },
        });
        const erased = await app.db.prisma.recognitionEvent.create({
          data: { kind: 'identify', threshold: 0.35, model: 'm', decision: 'refused', reason: 'not_in_database', thumbnail: null },
        });
        const accepted = await app.db.prisma.recognitionEvent.create({
          data: {
            kind: 'identify',
            threshold: 0.35,
            model: 'm',
            decision: 'accepted',
            reason: 'match',
            thumbnail,
            decidedPersonId: ids.younes,
          },
        });
        const listed = JSON.stringify((await gql(DOOR_FACES)).doorFaces);
        for (const e of [attack, erased, accepted]) expect(listed).not.toContain(e.id);
        const result = (await gql(LEARN, { ids: [attack.id, erased.id, accepted.id, 'no-such-event'], personId: ids.younes }))
          .learnFacesFromDoors.data;
        expect(result.enrolled).toHaveLength(0);
        expect(result.rejected.map((r: { code: string }) => r.code)).toEqual([
          'NOT_LEARNABLE',
          'IMAGE_ERASED',
          'NOT_LEARNABLE',
          'NOT_FOUND',
        ]);
        const noTarget = (await client.gql(LEARN, { ids: [attack.id] }, admin)).body.data!.learnFacesFromDoors;
        expect(noTarget.code).toBe('INVALID_INPUT');
      });

      it('imports a zip of <name>/*.jpg through the same path as facegate db import, with a per-photo report', async () => {
        const read = async (name: string) => new Uint8Array(await readFile(path.join(seed, name)));
        const zip = zipSync({
          'office/andrew/andrew.jpg': await read('andrew.jpg'),
          'office/arnaud/arnaud.jpg': await read('arnaud.jpg'),
          'office/arnaud/not-a-face.jpg': new TextEncoder().encode('not a photo'),
          'office/younes/again.jpg': await read('younes.jpg'),
          'office/README.txt': new TextEncoder().encode('hello'),
        });
        const { body } = await client.upload(IMPORT, { archive: null }, { archive: { name: 'office.zip', bytes: zip } }, admin);
        const report = body.data!.importPeople.data;
        expect(report.skipped).toEqual(['office/README.txt']);
        const byName = Object.fromEntries(report.people.map((p: { name: string }) => [p.name, p]));
        expect(byName.andrew).toMatchObject({ created: true, photos: 1, enrolled: 1, rejected: [] });
        expect(byName.arnaud).toMatchObject({
          created: true,
          photos: 2,
          enrolled: 1,
          rejected: [{ filename: 'office/arnaud/not-a-face.jpg', code: 'INVALID_IMAGE' }],
        });
        // younes is enrolled already: the same face again goes to him (matched by name), not a new person.
        expect(byName.younes).toMatchObject({ created: false, person: { id: ids.younes } });
        expect(
          (await actions())
            .filter((a) => a.action === 'importPerson')
            .map((a) => a.targetLabel)
            .sort(),
        ).toEqual(expect.arrayContaining(['andrew', 'arnaud']));
      });

      it('refuses a zip bomb, too many entries and unsafe names with typed errors, enrolling nothing of them', async () => {
        const people = await app.db.prisma.person.count();
        const samples = await app.db.prisma.faceSample.count();
        const face = new Uint8Array(await readFile(path.join(seed, 'kian.jpg')));
        const zeros = new Uint8Array(9 * 1024 * 1024);
        const refusals: [string, Record<string, Uint8Array>, string][] = [
          // One "photo" of 64 MiB of zeros: 64 kB compressed.
          ['a photo that inflates past the limit', { 'kian/kian.jpg': face, 'bomb/x.jpg': new Uint8Array(64 * 1024 * 1024) }, 'TOO_LARGE'],
          // 25 photos of 9 MiB each: each under the photo limit, 225 MiB in all.
          [
            'photos that inflate past the total',
            { 'kian/kian.jpg': face, ...Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`bomb/${i}.jpg`, zeros])) },
            'TOO_LARGE',
          ],
          [
            'more entries than allowed',
            { 'kian/kian.jpg': face, ...Object.fromEntries(Array.from({ length: 2001 }, (_, i) => [`many/${i}.txt`, new Uint8Array(1)])) },
            'TOO_MANY_ENTRIES',
          ],
          ['a ../ name', { 'kian/kian.jpg': face, '../evil/x.jpg': face }, 'UNSAFE_PATH'],
          ['an absolute name', { 'kian/kian.jpg': face, '/etc/x.jpg': face }, 'UNSAFE_PATH'],
          ['not a zip', {}, 'INVALID_ARCHIVE'],
        ];
        for (const [what, files, code] of refusals) {
          const bytes = Object.keys(files).length ? zipSync(files, { level: 1 }) : new TextEncoder().encode('PK not really');
          const { body } = await client.upload(IMPORT, { archive: null }, { archive: { name: 'x.zip', bytes } }, admin);
          expect(body.data!.importPeople, what).toMatchObject({ __typename: 'ImportRefusedError', code });
        }
        expect(await app.db.prisma.person.count()).toBe(people);
        expect(await app.db.prisma.faceSample.count()).toBe(samples);
        // The limits are readable to administrators only (the dashboard states them).
        expect((await gql(`{ importLimits { maxEntries maxTotalBytes maxPhotoBytes } }`)).importLimits).toEqual({
          maxEntries: 2000,
          maxTotalBytes: 20 * 10 * 1024 * 1024,
          maxPhotoBytes: 10 * 1024 * 1024,
        });
        expect((await client.gql(`{ importLimits { maxEntries } }`, {}, viewer)).body.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED');
      });

      it('imports one person of a folder per request (the dashboard’s progress), bounded', async () => {
        const PERSON = `mutation ($n: String!, $images: [File!]!) { importPerson(name: $n, images: $images) { __typename ... on MutationImportPersonSuccess { data { name created enrolled rejected { code } } } ... on Error { code } } }`;
        const ok = await client.upload(PERSON, { n: 'tian', images: [null] }, { 'images.0': path.join(seed, 'tian.jpg') }, admin);
        expect(ok.body.data!.importPerson.data).toMatchObject({ name: 'tian', created: true, enrolled: 1, rejected: [] });
        const viewerTry = await client.upload(PERSON, { n: 'dan', images: [null] }, { 'images.0': path.join(seed, 'dan.jpg') }, viewer);
        expect(JSON.stringify(viewerTry.body)).toContain('UNAUTHORIZED');
        expect(await app.db.prisma.person.count({ where: { name: 'dan' } })).toBe(0);
      });

      it('pseudonymises a deleted person in the log: the deletion stays, their name goes', async () => {
        await gql(`mutation ($id: ID!) { deletePerson(id: $id) { __typename } }`, { id: ids.younes });
        const log = await actions();
        const theirs = log.filter((a) => a.targetLabel?.startsWith('erased-'));
        expect(theirs.map((a) => a.action)).toEqual(
          expect.arrayContaining(['deletePerson', 'setPersonPin', 'addGroupMembers', 'enrollFaces', 'createPerson']),
        );
        expect(new Set(theirs.map((a) => a.targetLabel)).size).toBe(1);
        expect(theirs.every((a) => a.personId === null && a.targetId === null)).toBe(true);
        expect(JSON.stringify(log)).not.toContain('younes');
        if (database.name === 'SQLite') {
          const file = path.join(dir, 'facegate.db');
          await app.db.prisma.$queryRawUnsafe('PRAGMA wal_checkpoint(TRUNCATE)');
          expect((await databaseBytes(file)).includes(Buffer.from('younes'))).toBe(false);
        }
      });
    },
  );
}
