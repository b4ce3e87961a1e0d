import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facesDir, hasFaces } from '@facegate/face-core';
import { createApp, type App } from '@facegate/api/app';
import { loadConfig } from '@facegate/api/config';
import { createDb, type PrismaClient } from '@facegate/api/db';
import { apiClient } from './api-client.ts';
import { databases } from './databases.ts';
import { startThrowawayPostgres, throwawayPostgresSkip, type ThrowawayPostgres } from './throwaway-postgres.ts';

// `facegate db backup` while doors keep working, and `facegate db restore` on "another machine" (a new
// SQLite file; for PostgreSQL a cluster of its own): everything comes back and works, and a tampered
// file, a wrong passphrase or key, or a database that is not empty is refused with nothing written.
const seed = path.join(facesDir(), 'seed');
const bin = fileURLToPath(new URL('../../apps/api/bin/facegate.js', import.meta.url));
const ADMIN = { email: 'admin@facegate.test', password: 'correct horse battery' };
const IDENTIFY = `mutation ($image: File) { identifyFace(image: $image) { __typename ... on MutationIdentifyFaceSuccess { data { decision person { name } } } ... on Error { code message } } }`;

/** Runs the facegate command; its JSON answer, or its exit code and stderr. */
async function facegate(
  env: NodeJS.ProcessEnv,
  ...args: string[]
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the command's JSON, checked by the assertions
): Promise<{ ok: true; json: Record<string, any> } | { ok: false; code: number; stderr: string }> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [bin, ...args, '--json'], {
      env: { ...process.env, FACEGATE_LOG_LEVEL: 'warn', ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { ok: true, json: JSON.parse(stdout) };
  } catch (error) {
    const e = error as { code?: number; stderr?: string; stdout?: string };
    if (typeof e.code !== 'number') throw error;
    return { ok: false, code: e.code, stderr: e.stderr ?? '' };
  }
}

/** What must come back: every row of the tables a site configures (ApiKey without lastUsedAt, which doors touch). */
async function configured(prisma: PrismaClient) {
  const byId = { orderBy: { id: 'asc' } } as const;
  return {
    people: await prisma.person.findMany(byId),
    samples: await prisma.faceSample.findMany(byId),
    doors: await prisma.door.findMany(byId),
    groups: await prisma.accessGroup.findMany(byId),
    members: await prisma.groupMember.findMany({ orderBy: [{ groupId: 'asc' }, { personId: 'asc' }] }),
    groupDoors: await prisma.groupDoor.findMany({ orderBy: [{ groupId: 'asc' }, { doorId: 'asc' }] }),
    schedules: await prisma.schedule.findMany(byId),
    apiKeys: await prisma.apiKey.findMany({ ...byId, omit: { lastUsedAt: true, updatedAt: true } }),
    admins: await prisma.admin.findMany(byId),
    settings: await prisma.setting.findMany(byId),
    webhooks: await prisma.webhook.findMany(byId),
  };
}

const postgresSkip = throwawayPostgresSkip();
for (const database of databases()) {
  const skip = database.skip ?? (database.name === 'PostgreSQL' ? postgresSkip : null);
  describe.skipIf(!hasFaces('seed') || skip)(`backup and restore on ${database.name}${skip ? ` (${skip})` : ''} (needs ${seed})`, () => {
    let dir: string;
    let app: App;
    let sourceUrl: string;
    let doorKey: string;
    let other: ThrowawayPostgres | null = null;
    const dataKey = randomBytes(32).toString('base64');
    const env = () => ({ DATABASE_URL: sourceUrl, FACEGATE_DATA_KEY: dataKey });
    const files: Record<string, string> = {};

    /** A new, empty database on "another machine": a new SQLite file, or a database of the other PostgreSQL cluster. */
    const emptyTarget = async (name: string, schema?: string): Promise<string> => {
      if (database.name === 'SQLite') return `file:${path.join(dir, name, 'facegate.db')}`;
      const admin = new pg.Client({ connectionString: other!.url });
      await admin.connect();
      await admin.query(`CREATE DATABASE "${name}"`);
      await admin.end();
      const url = new URL(other!.url);
      url.pathname = `/${name}`;
      if (schema) url.searchParams.set('schema', schema);
      return url.toString();
    };
    const tableCount = async (url: string): Promise<number> => {
      if (url.startsWith('file:')) {
        const file = url.slice('file:'.length);
        if (!existsSync(file)) return 0;
      }
      const db = createDb({ databaseUrl: url });
      try {
        const rows = await db.prisma.$queryRawUnsafe<{ n: number | bigint }[]>(
          db.provider === 'sqlite'
            ? `SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'`
            : `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = current_schema()`,
        );
        return Number(rows[0]!.n);
      } finally {
        await db.close();
      }
    };

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'facegate-backup-'));
      sourceUrl = await database.url(dir);
      if (database.name === 'PostgreSQL') other = await startThrowawayPostgres();
      app = await createApp(
        loadConfig({
          ...env(),
          FACEGATE_ADMIN_EMAIL: ADMIN.email,
          FACEGATE_ADMIN_PASSWORD: ADMIN.password,
          FACEGATE_RECOGNIZER_THREADS: '1',
          FACEGATE_WEBHOOK_ALLOW: '127.0.0.1:9',
        }),
      );
      // The tests send photo files, not camera frames: liveness off, as the README says such a door sets it.
      await app.services.updateSettings({ liveness: 'off' });
      const client = apiClient(app);
      const gql = async (query: string, variables: Record<string, unknown> = {}) => {
        const { body } = await client.gql(query, variables, admin);
        expect(body.errors).toBeUndefined();
        return body.data!;
      };
      const admin = await client.login(ADMIN.email, ADMIN.password);
      const ids: Record<string, string> = {};
      for (const name of ['younes', 'benoit']) {
        ids[name] = (await app.services.people.create({ name })).id;
        await app.services.people.enroll(ids[name]!, [
          { filename: `${name}.jpg`, bytes: new Uint8Array(await readFile(path.join(seed, `${name}.jpg`))) },
        ]);
      }
      // The access policy: the front door lets in the staff group only; younes is staff, benoit is not.
      const door = (await gql(`mutation { createDoor(name: "front") { ... on MutationCreateDoorSuccess { data { id } } } }`)).createDoor
        .data.id;
      await gql(
        `mutation ($id: ID!) { updateDoor(id: $id, input: { timeZone: "Europe/Paris", access: GROUPS }) { ... on MutationUpdateDoorSuccess { data { id } } } }`,
        { id: door },
      );
      await gql(
        `mutation { saveSchedule(input: { name: "office hours", windows: [{ days: [1, 2, 3, 4, 5], from: "08:00", to: "19:00" }] }) { ... on MutationSaveScheduleSuccess { data { id } } } }`,
      );
      const staff = (await gql(`mutation { createAccessGroup(name: "staff") { ... on MutationCreateAccessGroupSuccess { data { id } } } }`))
        .createAccessGroup.data.id;
      await gql(
        `mutation ($g: ID!, $p: [ID!]!) { addGroupMembers(groupId: $g, personIds: $p) { ... on MutationAddGroupMembersSuccess { data { id } } } }`,
        { g: staff, p: [ids.younes] },
      );
      await gql(
        `mutation ($g: ID!, $d: ID!) { allowGroupAtDoor(groupId: $g, doorId: $d) { ... on MutationAllowGroupAtDoorSuccess { data { id } } } }`,
        { g: staff, d: door },
      );
      doorKey = (
        await gql(
          `mutation ($d: ID) { createApiKey(name: "front door", scopes: [VERIFY, IDENTIFY], doorId: $d) { ... on MutationCreateApiKeySuccess { data { token } } } }`,
          { d: door },
        )
      ).createApiKey.data.token;
      await gql(
        `mutation { createWebhook(input: { name: "alarm panel", url: "http://127.0.0.1:9/hook" }) { ... on MutationCreateWebhookSuccess { data { webhook { id } } } } }`,
      );
      // Attempts at the door: the audit chain has links to carry.
      const identify = async (file: string) =>
        (await client.upload(IDENTIFY, { image: null }, { image: path.join(seed, file) }, doorKey)).body.data!.identifyFace;
      expect(await identify('camera_0.jpg')).toMatchObject({ data: { decision: 'ACCEPTED', person: { name: 'younes' } } });
      expect(await identify('benoit.jpg')).toMatchObject({ data: { decision: 'REFUSED' } });
    }, 600_000);
    afterAll(async () => {
      await app?.close();
      await other?.destroy();
      await database.drop?.();
      await rm(dir, { recursive: true, force: true });
    });

    it('backs up while the door keeps answering (every answer typed), sealed with the data key and with a passphrase', async () => {
      const client = apiClient(app);
      let backingUp = true;
      const answers: string[] = [];
      const door = (async () => {
        while (backingUp)
          answers.push(
            (await client.upload(IDENTIFY, { image: null }, { image: path.join(seed, 'camera_0.jpg') }, doorKey)).body.data!.identifyFace
              .__typename,
          );
      })();
      files.key = path.join(dir, 'site.fgbk');
      const backup = await facegate(env(), 'db', 'backup', files.key);
      backingUp = false;
      await door;
      expect(backup).toMatchObject({
        ok: true,
        json: { provider: database.name === 'SQLite' ? 'sqlite' : 'postgresql', seal: 'data-key' },
      });
      expect(answers.length).toBeGreaterThan(0);
      expect(new Set(answers)).toEqual(new Set(['MutationIdentifyFaceSuccess']));
      // Sealed: no name, and not the SQLite file or pg_dump archive, in the clear.
      const bytes = await readFile(files.key);
      expect(bytes.includes('younes')).toBe(false);
      expect(bytes.includes('SQLite format')).toBe(false);
      expect(bytes.includes('PGDMP')).toBe(false);
      // A backup is never written over.
      expect(await facegate(env(), 'db', 'backup', files.key)).toMatchObject({
        ok: false,
        stderr: expect.stringContaining('BACKUP_EXISTS'),
      });

      files.passphrase = path.join(dir, 'passphrase.txt');
      await writeFile(files.passphrase, 'purple elephant staircase\n', { mode: 0o600 });
      files.withPassphrase = path.join(dir, 'site-passphrase.fgbk');
      expect(await facegate(env(), 'db', 'backup', files.withPassphrase, '--passphrase-file', files.passphrase)).toMatchObject({
        ok: true,
        json: { seal: 'passphrase' },
      });
    }, 300_000);

    it('refuses a tampered file, a wrong passphrase or data key, and a database that is not empty; writes nothing', async () => {
      const target = await emptyTarget('refused');
      const tampered = path.join(dir, 'tampered.fgbk');
      const bytes = await readFile(files.key!);
      bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
      await writeFile(tampered, bytes);
      expect(await facegate({ ...env(), DATABASE_URL: target }, 'db', 'restore', tampered)).toMatchObject({
        ok: false,
        code: 1,
        stderr: expect.stringContaining('BACKUP_TAMPERED'),
      });
      // Cut short (a copy that stopped half-way).
      const cut = path.join(dir, 'cut.fgbk');
      await writeFile(cut, (await readFile(files.key!)).subarray(0, Math.floor(bytes.length * 0.7)));
      expect(await facegate({ ...env(), DATABASE_URL: target }, 'db', 'restore', cut)).toMatchObject({
        ok: false,
        stderr: expect.stringContaining('BACKUP_TAMPERED'),
      });
      const wrong = path.join(dir, 'wrong.txt');
      await writeFile(wrong, 'purple elephant staircases\n');
      expect(
        await facegate({ ...env(), DATABASE_URL: target }, 'db', 'restore', files.withPassphrase!, '--passphrase-file', wrong),
      ).toMatchObject({ ok: false, stderr: expect.stringContaining('WRONG_PASSPHRASE') });
      expect(
        await facegate(
          { ...env(), DATABASE_URL: target, FACEGATE_DATA_KEY: randomBytes(32).toString('base64') },
          'db',
          'restore',
          files.key!,
        ),
      ).toMatchObject({ ok: false, stderr: expect.stringContaining('WRONG_DATA_KEY') });
      expect(await tableCount(target)).toBe(0);
      // The source is not empty: refused, and untouched.
      const before = await app.db.prisma.person.count();
      expect(await facegate(env(), 'db', 'restore', files.key!)).toMatchObject({
        ok: false,
        stderr: expect.stringContaining('DATABASE_NOT_EMPTY'),
      });
      expect(await app.db.prisma.person.count()).toBe(before);
    }, 300_000);

    for (const sealed of ['key', 'withPassphrase'] as const) {
      it(`restores ${sealed === 'key' ? 'the data-key backup' : 'the passphrase backup'} on another machine: everything comes back, the chain verifies, the door key still lets younes in`, async () => {
        // PostgreSQL: the data-key backup into a schema of the same name, the passphrase one into `public`.
        const schema = database.name === 'PostgreSQL' && sealed === 'key' ? new URL(sourceUrl).searchParams.get('schema')! : undefined;
        const target = await emptyTarget(`restored_${sealed.toLowerCase()}`, schema);
        const targetEnv = { DATABASE_URL: target, FACEGATE_DATA_KEY: dataKey };
        const restored = await facegate(
          targetEnv,
          'db',
          'restore',
          files[sealed]!,
          ...(sealed === 'withPassphrase' ? ['--passphrase-file', files.passphrase!] : []),
        );
        expect(restored).toMatchObject({ ok: true, json: { people: 2, samples: 2, auditChain: { ok: true }, dataKey: 'opens' } });
        expect(await facegate(targetEnv, 'audit', 'verify')).toMatchObject({ ok: true, json: { ok: true } });

        const db = createDb({ databaseUrl: target });
        try {
          expect(await configured(db.prisma)).toEqual(await configured(app.db.prisma));
          // The audit: the snapshot's events and links, exactly as they were written (a prefix of the source's chain).
          const links = await db.prisma.auditLink.findMany({ orderBy: { seq: 'asc' } });
          expect(links.length).toBeGreaterThanOrEqual(2);
          expect(links).toEqual(
            await app.db.prisma.auditLink.findMany({ where: { seq: { lte: links.at(-1)!.seq } }, orderBy: { seq: 'asc' } }),
          );
          const events = await db.prisma.recognitionEvent.findMany({ orderBy: { id: 'asc' }, omit: { eventsPublished: true } });
          expect(events).toEqual(
            await app.db.prisma.recognitionEvent.findMany({
              where: { id: { in: events.map((e) => e.id) } },
              orderBy: { id: 'asc' },
              omit: { eventsPublished: true },
            }),
          );
        } finally {
          await db.close();
        }

        // The restored site works: the door's key lets younes in and keeps benoit out, each attempt audited and chained.
        const restoredApp = await createApp(loadConfig({ ...targetEnv, FACEGATE_RECOGNIZER_THREADS: '1' }));
        try {
          const client = apiClient(restoredApp);
          const before = await restoredApp.db.prisma.recognitionEvent.count();
          expect(
            (await client.upload(IDENTIFY, { image: null }, { image: path.join(seed, 'camera_0.jpg') }, doorKey)).body.data!.identifyFace,
          ).toMatchObject({ data: { decision: 'ACCEPTED', person: { name: 'younes' } } });
          expect(
            (await client.upload(IDENTIFY, { image: null }, { image: path.join(seed, 'benoit.jpg') }, doorKey)).body.data!.identifyFace,
          ).toMatchObject({ data: { decision: 'REFUSED' } });
          expect(await restoredApp.db.prisma.recognitionEvent.count()).toBe(before + 2);
        } finally {
          await restoredApp.close();
        }
        expect(await facegate(targetEnv, 'audit', 'verify')).toMatchObject({ ok: true, json: { ok: true } });
      }, 300_000);
    }
  });
}
