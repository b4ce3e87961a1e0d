// The persistence layer against real databases: a temp SQLite file always, PostgreSQL (a fresh schema)
// when TEST_DATABASE_URL is set. No mocks.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEncoding, encodeEncoding, parseScopes, serializeScopes } from './codecs.ts';
import { createDb, type Db } from './create-db.ts';
import { loadMigrations } from './migrate.ts';
import { createTestDatabase, PROVIDERS, providerAvailable, suiteTitle, type TestDatabase } from './test-support.ts';

const apiRoot = path.resolve(import.meta.dirname, '../..');

function sampleEncoding(seed: number): number[] {
  return Array.from({ length: 128 }, (_, i) => Math.sin(seed * 1000 + i) / 3);
}

function faceSample(seed: number) {
  return {
    encoding: encodeEncoding(sampleEncoding(seed)),
    model: 'dlib-resnet-v1',
    thumbnail: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, seed, 0xff, 0xd9]),
    detectionScore: 0.98,
    eyeDistancePx: 61.5,
    sharpness: 120.25,
    brightness: 0.5,
  };
}

for (const provider of PROVIDERS) {
  describe.skipIf(!providerAvailable(provider))(suiteTitle(provider, 'database'), () => {
    let database: TestDatabase;
    let db: Db;

    beforeAll(async () => {
      database = await createTestDatabase(provider);
      db = createDb({ databaseUrl: database.url });
    });

    afterAll(async () => {
      await db?.close();
      await database?.drop();
    });

    it('migrates an empty database; migrating again is a no-op', async () => {
      expect(db.provider).toBe(provider);
      const names = loadMigrations(provider).map((m) => m.name);
      expect(names.length).toBeGreaterThan(0);
      expect(await db.migrate()).toEqual(names);
      expect(await db.migrate()).toEqual([]);
      const again = createDb({ databaseUrl: database.url });
      try {
        expect(await again.migrate()).toEqual([]);
      } finally {
        await again.close();
      }
      const rows = await db.prisma.$queryRawUnsafe<{ name: string }[]>('SELECT "name" FROM "_migrations" ORDER BY "name"');
      expect(rows.map((row) => row.name)).toEqual(names);
    });

    it('stores a person with face samples; encodings come back as the same float32 values', async () => {
      const person = await db.prisma.person.create({
        data: { name: 'Ada Lovelace', cardId: 'CARD-1', samples: { create: [faceSample(1), faceSample(2)] } },
        include: { samples: { orderBy: { thumbnail: 'asc' } } },
      });
      expect(person.id).toMatch(/^c[a-z0-9]{20,}$/); // cuid
      expect(person.active).toBe(true);
      expect(person.notes).toBeNull();
      expect(person.createdAt).toBeInstanceOf(Date);
      expect(person.samples).toHaveLength(2);

      const stored = await db.prisma.faceSample.findMany({ where: { personId: person.id } });
      for (const sample of stored) {
        expect(sample.encoding).toBeInstanceOf(Uint8Array);
        expect(sample.encoding.byteLength).toBe(512);
        const seed = sample.thumbnail[4]!;
        expect(decodeEncoding(sample.encoding)).toEqual(sampleEncoding(seed).map((v) => Math.fround(v)));
        expect(sample).toMatchObject({ model: 'dlib-resnet-v1', detectionScore: 0.98, eyeDistancePx: 61.5, sharpness: 120.25 });
      }
    });

    it('enforces unique card ids, door names and key prefixes', async () => {
      await expect(db.prisma.person.create({ data: { name: 'Someone else', cardId: 'CARD-1' } })).rejects.toMatchObject({
        code: 'P2002',
      });
      await db.prisma.door.create({ data: { name: 'Front door' } });
      await expect(db.prisma.door.create({ data: { name: 'Front door' } })).rejects.toMatchObject({ code: 'P2002' });
      await db.prisma.apiKey.create({ data: { name: 'a', prefix: 'pfx00001', secretHash: 'x' } });
      await expect(db.prisma.apiKey.create({ data: { name: 'b', prefix: 'pfx00001', secretHash: 'y' } })).rejects.toMatchObject({
        code: 'P2002',
      });
    });

    it('deleting a person really deletes its face samples (ON DELETE CASCADE)', async () => {
      const person = await db.prisma.person.create({
        data: { name: 'Temp', samples: { create: [faceSample(3), faceSample(4), faceSample(5)] } },
      });
      const count = async () => {
        const rows = await db.prisma.$queryRaw<{ n: number | bigint }[]>`
          SELECT COUNT(*) AS "n" FROM "FaceSample" WHERE "personId" = ${person.id}`;
        return Number(rows[0]!.n);
      };
      expect(await count()).toBe(3);
      await db.prisma.person.delete({ where: { id: person.id } });
      // Checked with raw SQL, not through Prisma's relations: the rows are gone from the table.
      expect(await count()).toBe(0);
    });

    it('audit events keep their labels when the person, door, key and admin are deleted (person: SET NULL; the others are not relations)', async () => {
      const person = await db.prisma.person.create({ data: { name: 'Grace Hopper', cardId: 'CARD-GH' } });
      const door = await db.prisma.door.create({ data: { name: 'Lab', location: 'Building 2' } });
      const apiKey = await db.prisma.apiKey.create({
        data: { name: 'lab reader', prefix: 'pfx00002', secretHash: 'h', scopes: serializeScopes(['verify']), doorId: door.id },
      });
      const admin = await db.prisma.admin.create({ data: { email: 'root@example.test', passwordHash: 'h', role: 'admin' } });
      const event = await db.prisma.recognitionEvent.create({
        data: {
          kind: 'verify',
          doorId: door.id,
          apiKeyId: apiKey.id,
          adminId: admin.id,
          claimedPersonId: person.id,
          claimedLabel: 'Grace Hopper (CARD-GH)',
          decidedPersonId: person.id,
          decidedLabel: 'Grace Hopper',
          distance: 0.41,
          threshold: 0.55,
          model: 'dlib-resnet-v1',
          decision: 'accepted',
          reason: 'match',
          thumbnail: new Uint8Array([1, 2, 3]),
        },
      });
      expect(parseScopes(apiKey.scopes)).toEqual(['verify']);

      await db.prisma.person.delete({ where: { id: person.id } });
      await db.prisma.apiKey.delete({ where: { id: apiKey.id } });
      await db.prisma.door.delete({ where: { id: door.id } });
      await db.prisma.admin.delete({ where: { id: admin.id } });

      const kept = await db.prisma.recognitionEvent.findUniqueOrThrow({ where: { id: event.id } });
      expect(kept).toMatchObject({
        claimedPersonId: null,
        decidedPersonId: null,
        // The log outlives the door, key and administrator: their ids stay as they were (the chain covers them).
        doorId: door.id,
        apiKeyId: apiKey.id,
        adminId: admin.id,
        claimedLabel: 'Grace Hopper (CARD-GH)',
        decidedLabel: 'Grace Hopper',
        distance: 0.41,
        decision: 'accepted',
        reason: 'match',
      });
      expect([...kept.thumbnail!]).toEqual([1, 2, 3]);
      expect(kept.createdAt.getTime()).toBe(event.createdAt.getTime());
    });

    it('filters the audit log by door, decision and time', async () => {
      const door = await db.prisma.door.create({ data: { name: 'Garage' } });
      const base = { kind: 'identify', threshold: 0.55, model: 'm', doorId: door.id };
      await db.prisma.recognitionEvent.createMany({
        data: [
          { ...base, decision: 'refused', reason: 'no_match', createdAt: new Date('2026-01-01T10:00:00Z') },
          { ...base, decision: 'refused', reason: 'no_face', createdAt: new Date('2026-01-02T10:00:00Z') },
          { ...base, decision: 'accepted', reason: 'match', createdAt: new Date('2026-01-03T10:00:00Z') },
        ],
      });
      const refused = await db.prisma.recognitionEvent.findMany({
        where: { doorId: door.id, decision: 'refused', createdAt: { gte: new Date('2026-01-02T00:00:00Z') } },
        orderBy: { createdAt: 'desc' },
      });
      expect(refused.map((e) => e.reason)).toEqual(['no_face']);
    });

    it('refuses to run when an applied migration was edited afterwards', async () => {
      const first = loadMigrations(provider)[0]!;
      await db.prisma.$executeRawUnsafe(`UPDATE "_migrations" SET "checksum" = 'edited' WHERE "name" = '${first.name}'`);
      try {
        await expect(db.migrate()).rejects.toThrow(/edited after it was applied/);
      } finally {
        await db.prisma.$executeRawUnsafe(`UPDATE "_migrations" SET "checksum" = '${first.checksum}' WHERE "name" = '${first.name}'`);
      }
      expect(await db.migrate()).toEqual([]);
    });

    if (provider === 'sqlite') {
      it('runs SQLite with WAL and foreign keys on', async () => {
        const [journal] = await db.prisma.$queryRawUnsafe<{ journal_mode: string }[]>('PRAGMA journal_mode');
        const [keys] = await db.prisma.$queryRawUnsafe<{ foreign_keys: number | bigint }[]>('PRAGMA foreign_keys');
        expect(journal?.journal_mode).toBe('wal');
        expect(Number(keys?.foreign_keys)).toBe(1);
      });
    } else {
      it('keeps its tables in its own PostgreSQL schema', async () => {
        // ::text: @prisma/adapter-pg 6.19 cannot read PostgreSQL's `name` type (catalog columns).
        const rows = await db.prisma.$queryRawUnsafe<{ table_schema: string }[]>(
          `SELECT DISTINCT table_schema::text FROM information_schema.tables WHERE table_name = 'Person'`,
        );
        expect(rows.map((row) => row.table_schema)).toContain(database.location);
        const [current] = await db.prisma.$queryRawUnsafe<{ schema: string }[]>('SELECT current_schema()::text AS "schema"');
        expect(current?.schema).toBe(database.location);
      });
    }
  });

  describe.skipIf(!providerAvailable(provider))(suiteTitle(provider, 'two processes migrating at once'), () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase(provider);
    });
    afterAll(async () => {
      await database?.drop();
    });

    it('both succeed and every migration is applied exactly once', async () => {
      const run = () =>
        promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/db.ts', 'migrate'], {
          cwd: apiRoot,
          env: { ...process.env, DATABASE_URL: database.url },
        });
      const outputs = await Promise.all([run(), run()]);
      const names = loadMigrations(provider).map((m) => m.name);
      // One process applied everything, the other found the database up to date.
      expect(outputs.map((o) => o.stdout.trim()).sort()).toEqual([`${provider}: applied ${names.join(', ')}`, `${provider}: up to date`]);
      const db = createDb({ databaseUrl: database.url });
      try {
        const rows = await db.prisma.$queryRawUnsafe<{ name: string }[]>('SELECT "name" FROM "_migrations" ORDER BY "name"');
        expect(rows.map((row) => row.name)).toEqual(names);
      } finally {
        await db.close();
      }
    });
  });
}
