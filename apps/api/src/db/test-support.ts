// Test helpers: throw-away databases (a temp SQLite file, or a fresh schema in $TEST_DATABASE_URL's
// PostgreSQL database) and a provider-neutral description of a database's structure.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { parseDatabaseUrl, searchPathOption, type Provider } from './database-url.ts';
import { MIGRATIONS_TABLE } from './migrate.ts';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;

if (TEST_DATABASE_URL !== undefined && parseDatabaseUrl(TEST_DATABASE_URL).provider !== 'postgresql') {
  throw new Error('TEST_DATABASE_URL must be a postgresql:// URL');
}

if (TEST_DATABASE_URL === undefined) {
  console.warn('PostgreSQL database tests are skipped: TEST_DATABASE_URL (postgresql://...) is not set.');
}

export const PROVIDERS: readonly Provider[] = ['sqlite', 'postgresql'];

export function providerAvailable(provider: Provider): boolean {
  return provider === 'sqlite' || TEST_DATABASE_URL !== undefined;
}

const PG_SKIP_REASON = 'skipped: TEST_DATABASE_URL is not set (e.g. postgresql://facegate:facegate@127.0.0.1:5432/facegate_test)';

/** Suite title; says why when the PostgreSQL variant is skipped. */
export function suiteTitle(provider: Provider, what: string): string {
  return providerAvailable(provider) ? `${what} [${provider}]` : `${what} [${provider}] (${PG_SKIP_REASON})`;
}

export interface TestDatabase {
  provider: Provider;
  url: string;
  /** SQLite file or PostgreSQL schema. */
  location: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(provider: Provider): Promise<TestDatabase> {
  if (provider === 'sqlite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-db-test-'));
    const file = path.join(dir, 'test.db');
    return {
      provider,
      url: `file:${file}`,
      location: file,
      drop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    };
  }
  if (TEST_DATABASE_URL === undefined) throw new Error(PG_SKIP_REASON);
  // A fresh schema per database: runs never see each other's tables; the migrator creates the schema.
  const schema = `test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('schema', schema);
  return {
    provider,
    url: url.toString(),
    location: schema,
    drop: () => withPostgres(undefined, (client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)).then(() => undefined),
  };
}

/** A node-postgres client on $TEST_DATABASE_URL, with search_path set to `schema` when given. */
export async function withPostgres<T>(schema: string | undefined, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const target = parseDatabaseUrl(TEST_DATABASE_URL ?? '');
  if (target.provider !== 'postgresql') throw new Error(PG_SKIP_REASON);
  const client = new pg.Client({ connectionString: target.connectionString, options: searchPathOption(schema) });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Runs a multi-statement script in a test database (bypassing the migrator). */
export async function runScript(database: TestDatabase, sql: string): Promise<void> {
  if (database.provider === 'sqlite') {
    const db = new Database(database.location);
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
    return;
  }
  await withPostgres(database.location, async (client) => {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${database.location}"`);
    await client.query(sql);
  });
}

const byJson = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b));

/** Tables, columns, indexes and constraints (not the migrations table), sorted, schema names removed. */
export async function describeStructure(database: TestDatabase): Promise<unknown> {
  if (database.provider === 'sqlite') {
    const db = new Database(database.location, { readonly: true });
    try {
      const tables = db
        .prepare<[string], { name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> ? ORDER BY name",
        )
        .all(MIGRATIONS_TABLE)
        .map(({ name }) => ({
          name,
          columns: db.pragma(`table_info("${name}")`),
          indexes: (db.pragma(`index_list("${name}")`) as { name: string; unique: number; partial: number }[])
            .map((index) => ({
              name: index.name,
              unique: index.unique,
              partial: index.partial,
              columns: (db.pragma(`index_info("${index.name}")`) as { name: string }[]).map((c) => c.name),
            }))
            .sort(byJson),
          foreignKeys: (db.pragma(`foreign_key_list("${name}")`) as Record<string, unknown>[])
            .map(({ table, from, to, on_update, on_delete }) => ({ table, from, to, on_update, on_delete }))
            .sort(byJson),
        }));
      return tables;
    } finally {
      db.close();
    }
  }
  const schema = database.location;
  const strip = (text: string) => text.replaceAll(`"${schema}".`, '').replaceAll(`${schema}.`, '');
  return withPostgres(undefined, async (client) => {
    const columns = await client.query(
      `SELECT table_name, column_name, data_type, is_nullable, column_default, datetime_precision
         FROM information_schema.columns WHERE table_schema = $1 AND table_name <> $2
        ORDER BY table_name, column_name`,
      [schema, MIGRATIONS_TABLE],
    );
    const indexes = await client.query<{ tablename: string; indexname: string; indexdef: string }>(
      `SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename <> $2
        ORDER BY tablename, indexname`,
      [schema, MIGRATIONS_TABLE],
    );
    const constraints = await client.query<{ table: string; name: string; definition: string }>(
      `SELECT t.relname AS "table", c.conname AS name, pg_get_constraintdef(c.oid) AS definition
         FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = $1 AND t.relname <> $2 ORDER BY 1, 2`,
      [schema, MIGRATIONS_TABLE],
    );
    return {
      columns: columns.rows,
      indexes: indexes.rows.map((row) => ({ ...row, indexdef: strip(row.indexdef) })),
      constraints: constraints.rows.map((row) => ({ ...row, definition: strip(row.definition) })),
    };
  });
}
