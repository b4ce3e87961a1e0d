// Applies the committed SQL migrations (prisma/migrations for SQLite, prisma/postgres/migrations for
// PostgreSQL) with the plain drivers, not the Prisma CLI: in this offline setup `prisma migrate deploy`
// needs a mismatched @prisma/adapter-pg 7.x on PostgreSQL and a child process. Here each migration runs in
// one transaction together with its bookkeeping row in `_migrations`, so a failed migration leaves nothing.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { searchPathOption, type Provider } from './database-url.ts';

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export const MIGRATIONS_TABLE = '_migrations';

// The schema and migrations live at the repository root.
const prismaDir = path.resolve(import.meta.dirname, '../../../../prisma');

export function migrationsDir(provider: Provider): string {
  return provider === 'sqlite' ? path.join(prismaDir, 'migrations') : path.join(prismaDir, 'postgres', 'migrations');
}

/** Migration folders (`<timestamp>_<name>/migration.sql`, Prisma's layout) in name order. */
export function loadMigrations(provider: Provider, dir = migrationsDir(provider)): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      // CRLF-normalised so a Windows checkout does not look like an edited migration.
      const sql = readFileSync(path.join(dir, name, 'migration.sql'), 'utf8').replace(/\r\n/g, '\n');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

interface AppliedRow {
  name: string;
  checksum: string;
}

/** Refuses to go on when history differs: an applied migration edited afterwards, or unknown to this build. */
function pendingMigrations(migrations: Migration[], applied: AppliedRow[]): Migration[] {
  const known = new Map(migrations.map((m) => [m.name, m]));
  for (const row of applied) {
    const local = known.get(row.name);
    if (!local) {
      throw new Error(`Database has migration ${row.name}, unknown to this build (database newer than the code?)`);
    }
    if (local.checksum !== row.checksum) {
      throw new Error(`Migration ${row.name} was edited after it was applied (checksum differs); add a new migration instead`);
    }
  }
  const done = new Set(applied.map((row) => row.name));
  return migrations.filter((m) => !done.has(m.name));
}

function failed(migration: Migration, error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`Migration ${migration.name} failed and was rolled back: ${message}`, { cause: error });
}

/** Returns the names of the migrations it applied (empty when the database was up to date). */
export function migrateSqlite(filename: string, migrations: Migration[]): string[] {
  mkdirSync(path.dirname(filename), { recursive: true });
  // timeout = busy_timeout: a second process starting at the same time waits for the first one's lock.
  const db = new Database(filename, { timeout: 15_000 });
  try {
    db.pragma('journal_mode = WAL');
    // Off for the migration's connection (it cannot change inside a transaction): Prisma's SQLite migrations
    // rebuild tables (create new, copy, drop old), and dropping a parent with foreign keys on would cascade.
    // foreign_key_check below still refuses a migration that leaves dangling references.
    db.pragma('foreign_keys = OFF');
    db.exec(`CREATE TABLE IF NOT EXISTS "${MIGRATIONS_TABLE}" (
      "name" TEXT NOT NULL PRIMARY KEY,
      "checksum" TEXT NOT NULL,
      "appliedAt" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    )`);
    const applied: string[] = [];
    const readApplied = db.prepare<[], AppliedRow>(`SELECT "name", "checksum" FROM "${MIGRATIONS_TABLE}"`);
    const record = db.prepare(`INSERT INTO "${MIGRATIONS_TABLE}" ("name", "checksum") VALUES (?, ?)`);
    for (;;) {
      // BEGIN IMMEDIATE takes the write lock before reading what is applied: concurrent starters serialise.
      db.exec('BEGIN IMMEDIATE');
      const next = pendingMigrations(migrations, readApplied.all())[0];
      if (!next) {
        db.exec('COMMIT');
        return applied;
      }
      try {
        db.exec(next.sql);
        const violations = db.pragma('foreign_key_check') as unknown[];
        if (violations.length > 0) throw new Error(`foreign key violations: ${JSON.stringify(violations.slice(0, 5))}`);
        record.run(next.name, next.checksum);
        db.exec('COMMIT');
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw failed(next, error);
      }
      applied.push(next.name);
    }
  } finally {
    db.close();
  }
}

/** Arbitrary constant key for pg_advisory_lock, shared by every facegate process migrating a database. */
const ADVISORY_LOCK_KEY = 0x66616365_67617465n; // 'facegate'

export async function migratePostgres(
  target: { connectionString: string; schema: string | undefined },
  migrations: Migration[],
): Promise<string[]> {
  const client = new pg.Client({ connectionString: target.connectionString, options: searchPathOption(target.schema) });
  await client.connect();
  try {
    // Session-level advisory lock: a second process starting at once waits here, then finds nothing to do.
    await client.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK_KEY.toString()]);
    try {
      if (target.schema !== undefined) {
        const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [target.schema]);
        if (exists.rowCount === 0) await client.query(`CREATE SCHEMA "${target.schema}"`);
      }
      await client.query(`CREATE TABLE IF NOT EXISTS "${MIGRATIONS_TABLE}" (
        "name" TEXT NOT NULL PRIMARY KEY,
        "checksum" TEXT NOT NULL,
        "appliedAt" TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
      const { rows } = await client.query<AppliedRow>(`SELECT "name", "checksum" FROM "${MIGRATIONS_TABLE}"`);
      const applied: string[] = [];
      for (const migration of pendingMigrations(migrations, rows)) {
        try {
          await client.query('BEGIN');
          // No parameters: node-postgres uses the simple protocol, which runs a multi-statement script.
          await client.query(migration.sql);
          await client.query(`INSERT INTO "${MIGRATIONS_TABLE}" ("name", "checksum") VALUES ($1, $2)`, [
            migration.name,
            migration.checksum,
          ]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw failed(migration, error);
        }
        applied.push(migration.name);
      }
      return applied;
    } finally {
      // Closing the session would release it too; a failure here must not hide the real error.
      await client.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK_KEY.toString()]).catch(() => undefined);
    }
  } finally {
    await client.end();
  }
}
