import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlDriverAdapterFactory, Transaction } from '@prisma/driver-adapter-utils';
import { PrismaClient as PostgresPrismaClient } from '../../generated/postgres/client.ts';
import { PrismaClient } from '../../generated/sqlite/client.ts';
import { PRIVATE_FILE_MODE, restrictMode } from '../auth/key-file.ts';
import { DEFAULT_DATABASE_URL, parseDatabaseUrl, searchPathOption, type Provider } from './database-url.ts';
import { loadMigrations, migratePostgres, migrateSqlite } from './migrate.ts';
import { createWalCheckpointer } from './wal-checkpoint.ts';

export { PrismaClient };

export interface Db {
  /**
   * Typed as the SQLite client: both generated clients have the same models, and code written against the
   * SQLite one (the smaller feature set, e.g. no `mode: 'insensitive'`) runs on both.
   */
  prisma: PrismaClient;
  provider: Provider;
  /** Applies pending migrations; idempotent; safe when several processes start at once. Returns applied names. */
  migrate(): Promise<string[]>;
  /**
   * After an erasure: SQLite's write-ahead log emptied into the database file (off the event loop), so
   * the erased pages do not linger in it. Nothing to do on PostgreSQL.
   */
  checkpoint(): Promise<void>;
  close(): Promise<void>;
}

export interface CreateDbOptions {
  /** `file:...` (SQLite) or `postgresql://...` (PostgreSQL); default $DATABASE_URL, then apps/api/data/facegate.db. */
  databaseUrl?: string | undefined;
}

/**
 * Pragmas for every connection Prisma opens (foreign keys and the busy timeout are per connection).
 * secure_delete: deleted rows' bytes (encodings, faces) are overwritten with zeros, not left in free pages.
 */
const SQLITE_PRAGMAS = 'PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 15000; PRAGMA secure_delete = ON;';

function sqliteAdapter(filename: string): SqlDriverAdapterFactory {
  return releasingTransactions(new PrismaBetterSQLite3({ url: `file:${filename}`, timeout: 15_000 }), (adapter) =>
    adapter.executeScript(SQLITE_PRAGMAS),
  );
}

/** The adapter's transactions end (their lock or connection released) even when COMMIT or ROLLBACK fails. */
function releasingTransactions(
  base: SqlDriverAdapterFactory,
  prepare?: (adapter: SqlDriverAdapter) => Promise<void>,
): SqlDriverAdapterFactory {
  return {
    provider: base.provider,
    adapterName: base.adapterName,
    async connect() {
      const adapter = await base.connect();
      await prepare?.(adapter);
      const startTransaction = adapter.startTransaction.bind(adapter);
      adapter.startTransaction = async (isolationLevel) => releasedOnFailedEnd(await startTransaction(isolationLevel));
      return adapter;
    },
  };
}

/**
 * Prisma 6.19 sends COMMIT (or ROLLBACK) through the transaction and releases what the adapter holds for
 * it only once that succeeded. On SQLite, a COMMIT refused (SQLITE_FULL, a full disk) left the adapter's
 * transaction lock held and every later write waited forever; on PostgreSQL, a transaction whose
 * connection died (the server stopped) kept that connection checked out of the pool for good, so the
 * pool shrank with each outage and closing it (its end()) waited forever (test/integration/faults.test.ts).
 * Here a failed COMMIT is rolled back and, whatever the outcome, the lock or connection is released; the
 * error still reaches the caller.
 */
function releasedOnFailedEnd(tx: Transaction): Transaction {
  const [executeRaw, commit, rollback] = [tx.executeRaw.bind(tx), tx.commit.bind(tx), tx.rollback.bind(tx)];
  let released = false;
  const release = (end: () => Promise<void>) => {
    if (released) return Promise.resolve();
    released = true;
    return end();
  };
  tx.executeRaw = async (query) => {
    try {
      return await executeRaw(query);
    } catch (error) {
      if ((query.sql === 'COMMIT' || query.sql === 'ROLLBACK') && !released) {
        if (query.sql === 'COMMIT') await executeRaw({ sql: 'ROLLBACK', args: [], argTypes: [] }).catch(() => undefined);
        await release(rollback).catch(() => undefined);
      }
      throw error;
    }
  };
  tx.commit = () => release(commit);
  tx.rollback = () => release(rollback);
  return tx;
}

/**
 * The database file readable by its owner only: created 0600 before SQLite opens it (SQLite gives its
 * -wal and -shm files the database file's mode), and existing files that others could read made 0600.
 */
function protectSqliteFiles(filename: string): void {
  mkdirSync(path.dirname(filename), { recursive: true, mode: 0o700 });
  closeSync(openSync(filename, 'a', PRIVATE_FILE_MODE));
  for (const file of [filename, `${filename}-wal`, `${filename}-shm`, `${filename}-journal`]) restrictMode(file);
}

export function createDb(options: CreateDbOptions = {}): Db {
  const target = parseDatabaseUrl(options.databaseUrl ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL);

  if (target.provider === 'sqlite') {
    protectSqliteFiles(target.filename);
    const prisma = new PrismaClient({ adapter: sqliteAdapter(target.filename) });
    const wal = createWalCheckpointer(target.filename);
    return {
      prisma,
      provider: 'sqlite',
      // async: a sync throw (e.g. edited migration) becomes a rejected promise like on PostgreSQL.
      migrate: async () => migrateSqlite(target.filename, loadMigrations('sqlite')),
      checkpoint: async () => void (await wal.truncate()),
      close: async () => {
        await wal.close();
        await prisma.$disconnect();
      },
    };
  }

  const adapter = releasingTransactions(
    new PrismaPg(
      { connectionString: target.connectionString, options: searchPathOption(target.schema) },
      // Prisma qualifies table names with this schema (default "public").
      target.schema === undefined ? undefined : { schema: target.schema },
    ),
  );
  // Same models and API as the SQLite client (both generated from one datamodel): see Db['prisma'].
  const prisma = new PostgresPrismaClient({ adapter }) as unknown as PrismaClient;
  return {
    prisma,
    provider: 'postgresql',
    migrate: () => migratePostgres(target, loadMigrations('postgresql')),
    checkpoint: async () => {},
    close: () => prisma.$disconnect(),
  };
}
