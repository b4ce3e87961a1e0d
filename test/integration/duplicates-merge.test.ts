import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces } from '@facegate/face-core';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { apiClient } from './api-client.ts';
import { databases } from './databases.ts';

// Issue 25, item 2: duplicates lead somewhere. A new person is created only with a photo enrolled (a
// refused enrolment leaves nothing, in the register or the admin log); two people who are one are
// merged (samples, passes, card, groups, audit events and admin log moved; the merged one erased;
// the merge logged; administrators only; typed errors); a bulk import's override is per person.
const deepface = path.join(facesDir(), 'deepface');
const photo = (person: string, file: string) => path.join(deepface, person, file);
const ADMIN = { email: 'admin@facegate.test', password: 'correct horse battery' };
const ENROLL_PERSON = `mutation ($input: PersonInput!, $images: [File!]!, $allow: Boolean) { enrollPerson(input: $input, images: $images, allowDuplicates: $allow) { __typename
  ... on MutationEnrollPersonSuccess { data { person { id name cardId } enrolled { id } rejected { index code duplicateOf { id name } } } } ... on Error { code message } } }`;
const MERGE = `mutation ($into: ID!, $from: ID!) { mergePeople(intoId: $into, fromId: $from) { __typename
  ... on MutationMergePeopleSuccess { data { person { id cardId sampleCount } mergedId samplesMoved passesMoved groupsAdded auditEventsMoved cardMoved pinMoved } } ... on Error { code message } } }`;
const IMPORT = `mutation ($archive: File!, $for: [String!]) { importPeople(archive: $archive, allowDuplicatesFor: $for) { __typename
  ... on MutationImportPeopleSuccess { data { people { name created enrolled rejected { code } } } } ... on Error { code message } } }`;

for (const database of databases()) {
  describe.skipIf(!hasFaces('deepface') || database.skip)(
    `duplicates resolved on ${database.name}${database.skip ? ` (${database.skip})` : ''} (needs ${deepface})`,
    () => {
      let app: App;
      let dir: string;
      let admin: string;
      let client: ReturnType<typeof apiClient>;
      const enrollPerson = async (input: Record<string, unknown>, files: string[], allow = false) =>
        (
          await client.upload(
            ENROLL_PERSON,
            { input, images: files.map(() => null), allow },
            Object.fromEntries(files.map((f, i) => [`images.${i}`, f])),
            admin,
          )
        ).body.data!.enrollPerson;
      const merge = async (into: string, from: string, token = admin) => (await client.gql(MERGE, { into, from }, token)).body;
      const log = () => app.db.prisma.adminAction.findMany({ orderBy: { createdAt: 'asc' } });

      beforeAll(async () => {
        dir = await mkdtemp(path.join(tmpdir(), 'facegate-merge-'));
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

      it('creates a person only when a photo is enrolled: a refused enrolment leaves no person and no log line', async () => {
        const ana = await enrollPerson({ name: 'Ana', cardId: 'A-1' }, [photo('person_01', 'img1.jpg')]);
        expect(ana.data.person).toMatchObject({ name: 'Ana', cardId: 'A-1' });
        expect(ana.data.enrolled).toHaveLength(1);
        const before = await app.db.prisma.person.count();
        const logged = (await log()).length;
        const twin = await enrollPerson({ name: 'Ana again' }, [photo('person_01', 'img10.jpg')]);
        expect(twin.data.person).toBeNull();
        expect(twin.data.rejected).toEqual([
          expect.objectContaining({ index: 0, code: 'DUPLICATE_FACE', duplicateOf: { id: ana.data.person.id, name: 'Ana' } }),
        ]);
        expect(await app.db.prisma.person.count()).toBe(before);
        // Nothing like "created a person erased-…" then "erased a person": no line at all.
        expect((await log()).length).toBe(logged);
        expect((await log()).at(-1)).toMatchObject({ action: 'enrollPerson', personId: ana.data.person.id, targetLabel: 'Ana' });
        // A card already held is refused before anything is stored.
        expect(await enrollPerson({ name: 'Bob', cardId: 'A-1' }, [photo('person_02', 'img12.jpg')])).toMatchObject({
          code: 'INVALID_INPUT',
        });
      });

      it('merges a person enrolled twice: samples, pass, card, groups, audit events and log move; the other is erased', async () => {
        const ana = (await app.db.prisma.person.findFirstOrThrow({ where: { name: 'Ana' } })).id;
        // The same woman enrolled again under another name, with a card, the override confirmed.
        const dup = await enrollPerson({ name: 'Ana Dupont', cardId: 'B-2' }, [photo('person_01', 'img10.jpg')], true);
        const twin = dup.data.person.id as string;
        const group = (
          await client.gql(
            `mutation { createAccessGroup(name: "Staff") { ... on MutationCreateAccessGroupSuccess { data { id } } } }`,
            {},
            admin,
          )
        ).body.data!.createAccessGroup.data.id;
        await client.gql(
          `mutation ($g: ID!, $p: [ID!]!) { addGroupMembers(groupId: $g, personIds: $p) { __typename } }`,
          { g: group, p: [twin] },
          admin,
        );
        const pass = await client.gql(
          `mutation ($p: ID!, $f: DateTime!, $u: DateTime!) { issueVisitorPass(personId: $p, validFrom: $f, validUntil: $u) { __typename ... on MutationIssueVisitorPassSuccess { data { id } } } }`,
          { p: twin, f: new Date().toISOString(), u: new Date(Date.now() + 86_400_000).toISOString() },
          admin,
        );
        expect(pass.body.data!.issueVisitorPass.__typename).toBe('MutationIssueVisitorPassSuccess');
        // Two attempts that named her: one decided, one claimed with a rival.
        for (const role of ['decided', 'claimed'] as const) {
          await app.services.audit.record({
            kind: role === 'decided' ? 'identify' : 'verify',
            doorId: null,
            apiKeyId: null,
            adminId: null,
            ...(role === 'decided'
              ? { decidedPersonId: twin, decidedLabel: 'Ana Dupont' }
              : { claimedPersonId: twin, claimedLabel: 'Ana Dupont', rivalPersonId: ana, rivalLabel: 'Ana' }),
            distance: 0.2,
            threshold: 0.35,
            model: 'test',
            decision: 'accepted',
            reason: 'match',
          });
        }

        expect(await merge(ana, ana)).toMatchObject({ data: { mergePeople: { code: 'MERGE_INTO_SELF' } } });
        expect(await merge(ana, 'no-such-person')).toMatchObject({ data: { mergePeople: { code: 'NOT_FOUND' } } });
        expect(await merge('no-such-person', twin)).toMatchObject({ data: { mergePeople: { code: 'NOT_FOUND' } } });
        // A viewer reads everything and changes nothing: no merge.
        await client.gql(
          `mutation ($e: String!, $p: String!, $c: String!) { createAdmin(email: $e, password: $p, role: VIEWER, currentPassword: $c) { __typename } }`,
          { e: 'viewer@facegate.test', p: 'a long viewer passphrase', c: ADMIN.password },
          admin,
        );
        const viewer = await client.login('viewer@facegate.test', 'a long viewer passphrase');
        const refused = await merge(ana, twin, viewer);
        expect(refused.data?.mergePeople?.code ?? refused.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED');
        expect(await app.db.prisma.person.findUnique({ where: { id: twin } })).not.toBeNull();

        const merged = (await merge(ana, twin)).data!.mergePeople.data;
        expect(merged).toEqual({
          person: { id: ana, cardId: 'A-1', sampleCount: 2 },
          mergedId: twin,
          samplesMoved: 1,
          passesMoved: 1,
          groupsAdded: 1,
          auditEventsMoved: 2,
          // Ana kept her card; neither had a PIN.
          cardMoved: false,
          pinMoved: false,
        });
        expect(await app.db.prisma.person.findUnique({ where: { id: twin } })).toBeNull();
        expect(await app.db.prisma.faceSample.count({ where: { personId: ana } })).toBe(2);
        expect(await app.db.prisma.visitorPass.count({ where: { personId: ana } })).toBe(1);
        expect(await app.db.prisma.groupMember.findMany({ where: { personId: ana }, select: { groupId: true } })).toEqual([
          { groupId: group },
        ]);
        expect(await app.db.prisma.groupMember.count({ where: { personId: twin } })).toBe(0);
        // Her attempts are Ana's now, and the audit chain still verifies (each move a new link).
        expect(
          await app.db.prisma.recognitionEvent.count({
            where: { OR: [{ decidedPersonId: twin }, { claimedPersonId: twin }, { rivalPersonId: twin }] },
          }),
        ).toBe(0);
        expect(await app.db.prisma.recognitionEvent.count({ where: { OR: [{ decidedPersonId: ana }, { claimedPersonId: ana }] } })).toBe(2);
        expect(await app.services.auditChain.verify()).toMatchObject({ ok: true, broken: null });
        // The admin log: her earlier lines are Ana's; the merge is logged, naming the merged one by pseudonym only.
        const rows = await log();
        expect(rows.filter((r) => r.personId === twin)).toEqual([]);
        const line = rows.find((r) => r.action === 'mergePeople')!;
        expect(line).toMatchObject({ personId: ana, targetLabel: 'Ana' });
        expect(JSON.parse(line.details)).toMatchObject({
          merged: expect.stringMatching(/^erased-[0-9a-f]{10}$/),
          samplesMoved: 1,
          auditEventsMoved: 2,
        });
        expect(line.details).not.toContain('Dupont');
        // Her card is free again (she is gone): someone else may take it.
        expect((await enrollPerson({ name: 'Cleo', cardId: 'B-2' }, [photo('person_03', 'img48.jpg')])).data.person.cardId).toBe('B-2');
      });

      it('a bulk import takes the override per person, not for the whole archive', async () => {
        const files = { 'Twin/a.jpg': photo('person_01', 'img11.jpg'), 'Other/a.jpg': photo('person_01', 'img2.jpg') };
        const zip = zipSync(
          Object.fromEntries(
            await Promise.all(Object.entries(files).map(async ([name, file]) => [name, new Uint8Array(await readFile(file))] as const)),
          ),
        );
        const result = (
          await client.upload(IMPORT, { archive: null, for: ['Twin'] }, { archive: { name: 'twins.zip', bytes: zip } }, admin)
        ).body.data!.importPeople.data.people;
        expect(result).toEqual([
          { name: 'Twin', created: true, enrolled: 1, rejected: [] },
          { name: 'Other', created: false, enrolled: 0, rejected: [{ code: 'DUPLICATE_FACE' }] },
        ]);
      });
    },
  );
}
