import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { apiClient } from './api-client.ts';
import { databases } from './databases.ts';

const bin = fileURLToPath(new URL('../../apps/api/bin/facegate.js', import.meta.url));
const ADMIN = { email: 'admin@facegate.test', password: 'correct horse battery' };
const VERIFY = `mutation ($input: VerifyFaceInput!) { verifyFace(input: $input) { __typename ... on Error { code } } }`;

type Report = {
  ok: boolean;
  links: number;
  events: number;
  erased: number;
  head: { seq: number; hash: string } | null;
  broken: { seq: number | null; eventId: string | null; problem: string } | null;
};

/** `facegate audit verify --json` on the database, as an operator runs it: its report and exit status. */
function auditVerify(databaseUrl: string, ...args: string[]): Promise<{ code: number; report: Report }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [bin, 'audit', 'verify', '--json', ...args],
      { env: { ...process.env, DATABASE_URL: databaseUrl } },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(error);
        try {
          resolve({ code: typeof error?.code === 'number' ? error.code : 0, report: JSON.parse(stdout) as Report });
        } catch {
          reject(new Error(`facegate audit verify printed no report: ${stdout}\n${stderr}`));
        }
      },
    );
  });
}

// The audit log is tamper-evident: an UPDATE, DELETE or INSERT run on the database behind the API's back
// is reported by `facegate audit verify`, with the first broken link; the API's own writes (attempts,
// PIN tries, erasure, deleting a door) keep the chain valid, also with two instances writing at once.
for (const database of databases()) {
  describe.skipIf(database.skip)(`the audit log's hash chain, on ${database.name}${database.skip ? ` (${database.skip})` : ''}`, () => {
    let app: App;
    let second: App | undefined;
    let dir: string;
    let url: string;
    let admin: string;
    let client: ReturnType<typeof apiClient>;
    const verify = () => app.services.auditChain.verify();
    const linkOf = async (eventId: string) =>
      (await app.db.prisma.auditLink.findFirst({ where: { eventId }, orderBy: { seq: 'desc' } }))!.seq;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'facegate-audit-chain-'));
      url = await database.url(dir);
      const config = loadConfig({
        DATABASE_URL: url,
        FACEGATE_ADMIN_EMAIL: ADMIN.email,
        FACEGATE_ADMIN_PASSWORD: ADMIN.password,
        FACEGATE_RECOGNIZER_THREADS: '1',
      });
      app = await createApp(config);
      // A second instance on the same PostgreSQL. (Two SQLite clients in one process would block each other's
      // thread on the file's lock; two processes on one SQLite file are serialised by that lock.)
      second = database.name === 'PostgreSQL' ? await createApp(config) : app;
      client = apiClient(app);
      admin = await client.login(ADMIN.email, ADMIN.password);
    });
    afterAll(async () => {
      if (second !== app) await second?.close();
      await app?.close();
      await database.drop?.();
      await rm(dir, { recursive: true, force: true });
    });

    it('chains attempts and PIN tries; erasing a person and deleting a door keep it valid, the door keeps its name on past events', async () => {
      const younes = await app.services.people.create({ name: 'younes', cardId: 'card-31' });
      const benoit = await app.services.people.create({ name: 'benoit' });
      const door = async (name: string) =>
        (await client.gql(`mutation { createDoor(name: "${name}") { ... on MutationCreateDoorSuccess { data { id } } } }`, {}, admin)).body
          .data!.createDoor.data.id as string;
      const [front, back] = [await door('front'), await door('back')];
      const key = (
        await client.gql(
          `mutation ($d: ID) { createApiKey(name: "front", scopes: [VERIFY], doorId: $d) { ... on MutationCreateApiKeySuccess { data { token } } } }`,
          { d: front },
          admin,
        )
      ).body.data!.createApiKey.data.token;
      // Through the API: a door key at the wrong door, claiming younes by name and by card.
      for (const input of [
        { name: 'younes', doorId: back },
        { cardId: 'card-31', doorId: back },
      ]) {
        const { body } = await client.upload(
          VERIFY,
          { input: { ...input, image: null } },
          { 'input.image': { name: 'x.jpg', bytes: new Uint8Array([1]) } },
          key,
        );
        expect(body.data!.verifyFace.code).toBe('UNAUTHORIZED');
      }
      // A step-up at the front door completed by two PIN tries (each a link), and a refusal naming benoit.
      const base = { kind: 'verify' as const, doorId: front, apiKeyId: null, adminId: null, threshold: 0.5, model: 'm' };
      const stepUp = await app.services.audit.record({
        ...base,
        claimedPersonId: younes.id,
        claimedLabel: 'younes',
        distance: 0.52,
        decision: 'step_up',
        reason: 'borderline',
        stepUpReason: 'borderline',
        stepUpPersonId: younes.id,
      });
      expect(await app.services.audit.complete(stepUp.id, { decision: 'step_up', reason: 'borderline', pinTries: 1 })).not.toBeNull();
      expect(
        await app.services.audit.complete(stepUp.id, {
          decision: 'accepted',
          reason: 'pin_ok',
          pinTries: 2,
          decidedPersonId: younes.id,
          decidedLabel: 'younes',
        }),
      ).not.toBeNull();
      await app.services.audit.record({
        ...base,
        claimedPersonId: benoit.id,
        claimedLabel: 'benoit',
        decidedPersonId: benoit.id,
        decidedLabel: 'benoit',
        distance: 0.9,
        decision: 'refused',
        reason: 'no_match',
      });

      let report = await verify();
      expect(report).toMatchObject({ ok: true, events: 4, links: 6, erased: 0, broken: null });
      expect(await auditVerify(url)).toMatchObject({ code: 0, report: { ok: true, events: 4, links: 6, head: report.head } });

      // Erasure pseudonymises younes in all three events that name him: the chain holds.
      const erased = await client.gql(`mutation ($id: ID!) { deletePerson(id: $id) { __typename } }`, { id: younes.id }, admin);
      expect(erased.body.data!.deletePerson.__typename).toBe('MutationDeletePersonSuccess');
      report = await verify();
      expect(report).toMatchObject({ ok: true, events: 4, erased: 3 });
      const [logged] = (await client.gql(`{ adminActions(action: "deletePerson") { edges { node { details } } } }`, {}, admin)).body.data!
        .adminActions.edges;
      expect(JSON.parse(logged.node.details)).toMatchObject({ auditEventsPseudonymised: 3 });

      // Deleting the front door: its events keep its id and name.
      expect(
        (await client.gql(`mutation ($id: ID!) { deleteDoor(id: $id) { __typename } }`, { id: front }, admin)).body.errors,
      ).toBeUndefined();
      expect(await verify()).toMatchObject({ ok: true });
      const events = (
        await client.gql(`{ recognitionEvents { edges { node { id doorId doorName door { id } claimedLabel } } } }`, {}, admin)
      ).body.data!.recognitionEvents.edges.map((e: { node: object }) => e.node);
      expect(events.find((e: { id: string }) => e.id === stepUp.id)).toMatchObject({
        doorId: front,
        doorName: 'front',
        door: null,
        claimedLabel: expect.stringMatching(/^erased-/),
      });
      // (A key at the wrong door is recorded at its own door.)
      expect(events.map((e: { doorName: string; door: unknown }) => [e.doorName, e.door])).toEqual(events.map(() => ['front', null]));
    });

    it('reads a PIN try counted but not yet answered as a try in flight, and a larger jump as an edit', async () => {
      const base = { kind: 'verify' as const, doorId: null, apiKeyId: null, adminId: null, threshold: 0.5, model: 'm' };
      const pending = await app.services.audit.record({
        ...base,
        distance: 0.52,
        decision: 'step_up',
        reason: 'pin_required',
        stepUpReason: 'pin_required',
      });
      // The try is counted before its PIN is checked, and linked when it is answered.
      expect(await app.services.audit.reservePinTry(pending.id, 3)).toBe(1);
      expect(await verify()).toMatchObject({ ok: true, broken: null });
      expect(
        await app.services.audit.complete(pending.id, { decision: 'step_up', reason: 'pin_required', pinTries: 1 }, undefined, true),
      ).not.toBeNull();
      expect(await verify()).toMatchObject({ ok: true, broken: null });
      // Two tries ahead of its last link is no try in flight: someone wrote it.
      await app.db.prisma.recognitionEvent.update({ where: { id: pending.id }, data: { pinTries: 3 } });
      expect((await verify()).broken).toMatchObject({ eventId: pending.id });
      await app.db.prisma.recognitionEvent.update({ where: { id: pending.id }, data: { pinTries: 1 } });
      expect(await verify()).toMatchObject({ ok: true });
    });

    it(`${database.name === 'PostgreSQL' ? 'two instances' : 'one instance'} writing 40 attempts at once keep${database.name === 'PostgreSQL' ? '' : 's'} one chain`, async () => {
      const before = await app.db.prisma.auditLink.count();
      const head = (await app.db.prisma.auditLink.findFirst({ orderBy: { seq: 'desc' } }))!;
      const record = (instance: App, i: number) =>
        instance.services.audit.record({
          kind: 'identify',
          doorId: null,
          apiKeyId: null,
          adminId: null,
          threshold: 0.5,
          model: 'm',
          decision: 'refused',
          reason: 'not_in_database',
          distance: i / 100,
        });
      await Promise.all(Array.from({ length: 40 }, (_, i) => record(i % 2 ? second! : app, i)));
      const links = await app.db.prisma.auditLink.findMany({ where: { seq: { gt: head.seq } }, orderBy: { seq: 'asc' } });
      expect(links.map((l) => l.seq)).toEqual(Array.from({ length: 40 }, (_, i) => head.seq + 1 + i));
      expect(await app.db.prisma.auditLink.count()).toBe(before + 40);
      expect(await verify()).toMatchObject({ ok: true, head: { seq: head.seq + 40 } });
    });
    it('reports an UPDATE, a DELETE or an INSERT run on the database, at the first broken link', async () => {
      const [first, other, , fourth] = await app.db.prisma.recognitionEvent.findMany({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
      // An insertion: a row written behind the API's back has no link.
      const inserted = await app.db.prisma.recognitionEvent.create({
        data: { kind: 'verify', threshold: 0.5, model: 'm', decision: 'accepted', reason: 'match', personalHashes: '{}' },
      });
      expect((await verify()).broken).toMatchObject({
        seq: null,
        eventId: inserted.id,
        problem: expect.stringContaining('not in the chain'),
      });
      await app.db.prisma.recognitionEvent.delete({ where: { id: inserted.id } });
      expect(await verify()).toMatchObject({ ok: true });

      // An edit: a refusal turned into an acceptance, then the name of who was refused.
      await app.db.prisma.$executeRaw`UPDATE "RecognitionEvent" SET "decision" = 'accepted' WHERE "id" = ${fourth!.id}`;
      const edited = await auditVerify(url);
      expect(edited.code).toBe(1);
      expect(edited.report.broken).toMatchObject({
        seq: await linkOf(fourth!.id),
        eventId: fourth!.id,
        problem: expect.stringContaining('changed'),
      });
      await app.db.prisma.$executeRaw`UPDATE "RecognitionEvent" SET "decision" = ${fourth!.decision} WHERE "id" = ${fourth!.id}`;
      expect(await verify()).toMatchObject({ ok: true });
      await app.db.prisma.$executeRaw`UPDATE "RecognitionEvent" SET "decidedLabel" = 'mallory' WHERE "id" = ${fourth!.id}`;
      expect((await verify()).broken).toMatchObject({ eventId: fourth!.id, problem: expect.stringContaining('decided') });
      await app.db.prisma.$executeRaw`UPDATE "RecognitionEvent" SET "decidedLabel" = ${fourth!.decidedLabel} WHERE "id" = ${fourth!.id}`;

      // Deletions: a link, then an event earlier in the chain (the first broken link is reported).
      const link = await linkOf(other!.id);
      await app.db.prisma.$executeRaw`DELETE FROM "AuditLink" WHERE "seq" = ${link}`;
      expect((await verify()).broken).toMatchObject({ seq: link, problem: expect.stringContaining('missing') });
      await app.db.prisma.$executeRaw`DELETE FROM "RecognitionEvent" WHERE "id" = ${first!.id}`;
      const deleted = await auditVerify(url);
      expect(deleted.code).toBe(1);
      expect(deleted.report.broken).toMatchObject({
        seq: await linkOf(first!.id),
        eventId: first!.id,
        problem: expect.stringContaining('deleted'),
      });
    });
  });
}
