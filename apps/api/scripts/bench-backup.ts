// Times `facegate db backup` and `restore` (the library calls) on a database of N synthetic people (one
// sample each: a sealed 512-byte encoding and an 8 KB thumbnail, about the size of a real one), on SQLite
// or on the PostgreSQL of DATABASE_URL (a fresh schema, dropped after). Prints one JSON line.
//   npx tsx scripts/bench-backup.ts [people] ; DATABASE_URL=postgresql://... npx tsx scripts/bench-backup.ts 5000
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { backupDatabase, restoreDatabase } from '../src/db/backup/index.ts';
import { createDb } from '../src/db/index.ts';
import { createDataCipher } from '../src/db/sealed.ts';

const people = Number(process.argv[2] ?? 5000);
const dir = await mkdtemp(path.join(os.tmpdir(), 'facegate-bench-backup-'));
const base = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : null;
const schema = `bench_backup_${process.pid}`;
const url = (name: string) =>
  base ? `${base}${base.includes('?') ? '&' : '?'}schema=${schema}_${name}` : `file:${path.join(dir, name, 'facegate.db')}`;
const key = randomBytes(32);
async function dropSchemas(names: string[]) {
  const client = new pg.Client({ connectionString: base! });
  await client.connect();
  for (const name of names) await client.query(`DROP SCHEMA IF EXISTS "${schema}_${name}" CASCADE`);
  await client.end();
}
const cipher = createDataCipher(key);
try {
  const source = createDb({ databaseUrl: url('source') });
  await source.migrate();
  for (let i = 0; i < people; i += 500) {
    const batch = Array.from({ length: Math.min(500, people - i) }, (_, j) => ({ id: `p${i + j}`, name: `person ${i + j}` }));
    await source.prisma.person.createMany({ data: batch });
    await source.prisma.faceSample.createMany({
      data: batch.map((p) => ({
        personId: p.id,
        encoding: cipher.seal(randomBytes(512)),
        thumbnail: cipher.seal(randomBytes(8192)),
        model: 'bench',
        detectionScore: 1,
        eyeDistancePx: 60,
        sharpness: 1,
        brightness: 0.5,
      })),
    });
  }
  await source.close();
  const file = path.join(dir, 'bench.fgbk');
  const backup = await backupDatabase(url('source'), file, { dataKey: key });
  // PostgreSQL: a dump restores under its own schema's name, renamed after; that name must be free.
  if (base) await dropSchemas(['source']);
  const restore = await restoreDatabase(url('restored'), file, { dataKey: key });
  const check = createDb({ databaseUrl: url('restored') });
  const restored = await check.prisma.faceSample.count();
  await check.close();
  console.log(
    JSON.stringify({
      provider: backup.provider,
      people,
      restored,
      backupBytes: backup.bytes,
      backupMs: backup.ms,
      restoreMs: restore.ms,
      loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
    }),
  );
} finally {
  if (base) await dropSchemas(['source', 'restored']);
  await rm(dir, { recursive: true, force: true });
}
