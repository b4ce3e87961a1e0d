// `facegate db restore`: a backup restored into an empty database only.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { parseDatabaseUrl } from '../database-url.ts';
import { BackupError, decryptBody, randomSuffix, readBackupHeader, type SealWith } from './backup-file.ts';
import { pgTool, runPgTool } from './pg-tools.ts';

export interface RestoreResult {
  provider: 'sqlite' | 'postgresql';
  createdAt: string;
  migration: string | null;
  ms: number;
}

/** Restores a backup into an EMPTY database (no table at all): a database holding anything is refused, untouched. */
export async function restoreDatabase(databaseUrl: string, file: string, withKey: SealWith): Promise<RestoreResult> {
  const started = Date.now();
  const target = parseDatabaseUrl(databaseUrl);
  const { header } = await readBackupHeader(file);
  if (header.provider !== target.provider)
    throw new BackupError('PROVIDER_MISMATCH', `${file} is a ${header.provider} backup; DATABASE_URL is ${target.provider}`);
  if (target.provider === 'sqlite') {
    await refuseNonEmptySqlite(target.filename);
    await mkdir(path.dirname(target.filename), { recursive: true, mode: 0o700 });
    const temp = path.join(path.dirname(target.filename), `.${path.basename(target.filename)}.restore-${randomSuffix()}`);
    try {
      await decryptBody(file, withKey, temp);
      const db = new Database(temp, { fileMustExist: true });
      try {
        const check = db.pragma('integrity_check', { simple: true });
        if (check !== 'ok')
          throw new BackupError('BACKUP_TAMPERED', `the database in ${file} fails SQLite's integrity check: ${String(check)}`);
      } finally {
        db.close();
      }
      await refuseNonEmptySqlite(target.filename);
      // The target is empty (checked): its leftovers go, so SQLite cannot mistake an old -wal for the new file's.
      for (const suffix of ['', '-wal', '-shm', '-journal']) await rm(`${target.filename}${suffix}`, { force: true });
      await rename(temp, target.filename);
    } finally {
      await rm(temp, { force: true });
    }
  } else {
    const schema = target.schema ?? 'public';
    const dumped = header.schema ?? 'public';
    const client = new pg.Client({ connectionString: target.connectionString });
    await client.connect();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'facegate-restore-'));
    let created = false;
    try {
      const tables = async (name: string) =>
        Number(
          (await client.query<{ n: string }>(`SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = $1`, [name]))
            .rows[0]!.n,
        );
      const schemaExists = async (name: string) =>
        ((await client.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [name])).rowCount ?? 0) > 0;
      const count = await tables(schema);
      if (count > 0)
        throw new BackupError(
          'DATABASE_NOT_EMPTY',
          `schema ${schema} of the target database holds ${count} tables: restore writes only into an empty database (a new database or schema)`,
        );
      // pg_dump names the schema it dumped in every statement: restored under that name, then renamed.
      if (dumped !== schema && (await schemaExists(dumped)))
        throw new BackupError(
          'DATABASE_NOT_EMPTY',
          `the backup is of schema ${dumped}, which exists in the target database: restore into schema ${dumped} (?schema=${dumped}) or drop it first`,
        );
      const dump = path.join(dir, 'dump');
      await decryptBody(file, withKey, dump);
      const tool = pgTool(target);
      // Every object of the dump but the schema itself, which is created here (it may exist, empty, e.g. public).
      const list = (await runPgTool('pg_restore', ['--list', dump], tool.env))
        .split('\n')
        .filter((line) => !/ SCHEMA - | COMMENT - SCHEMA /.test(line));
      await writeFile(path.join(dir, 'list'), list.join('\n'), { mode: 0o600 });
      if (!(await schemaExists(dumped))) {
        await client.query(`CREATE SCHEMA "${dumped}"`);
        created = true;
      }
      await runPgTool(
        'pg_restore',
        [
          '--no-owner',
          '--no-privileges',
          '--exit-on-error',
          '--single-transaction',
          `--use-list=${path.join(dir, 'list')}`,
          `--dbname=${tool.dbname}`,
          dump,
        ],
        tool.env,
      );
      if (dumped !== schema) {
        await client.query('BEGIN');
        await client.query(`DROP SCHEMA IF EXISTS "${schema}"`);
        await client.query(`ALTER SCHEMA "${dumped}" RENAME TO "${schema}"`);
        await client.query('COMMIT');
      }
      created = false;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      // A schema this restore created goes with its failure (pg_restore's single transaction left it empty).
      if (created) await client.query(`DROP SCHEMA IF EXISTS "${dumped}" CASCADE`).catch(() => undefined);
      throw error;
    } finally {
      await rm(dir, { recursive: true, force: true });
      await client.end();
    }
  }
  return { provider: header.provider, createdAt: header.createdAt, migration: header.migration, ms: Date.now() - started };
}

async function refuseNonEmptySqlite(filename: string): Promise<void> {
  if (!existsSync(filename) && !existsSync(`${filename}-wal`)) return;
  const db = new Database(filename, { readonly: true });
  try {
    const n = (db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'`).get() as { n: number }).n;
    if (n > 0)
      throw new BackupError(
        'DATABASE_NOT_EMPTY',
        `${filename} holds a database (${n} tables): restore writes only into an empty one (a new file)`,
      );
  } finally {
    db.close();
  }
}
