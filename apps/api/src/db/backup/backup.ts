// `facegate db backup`: an online, consistent snapshot of the database (SQLite's backup API; pg_dump's
// single snapshot on PostgreSQL), sealed with AES-256-GCM under the data key or a passphrase.
import { createCipheriv, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { link, open, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import Database from 'better-sqlite3';
import pg from 'pg';
import { parseDatabaseUrl, searchPathOption } from '../database-url.ts';
import { MIGRATIONS_TABLE } from '../migrate.ts';
import { BackupError, checkOf, fileHead, randomSuffix, sealKey, type BackupHeader, type SealWith } from './backup-file.ts';
import { pgTool, runPgTool } from './pg-tools.ts';

async function lastMigrationSqlite(filename: string): Promise<string | null> {
  const db = new Database(filename, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(`SELECT max("name") AS name FROM "${MIGRATIONS_TABLE}"`).get() as { name: string | null }).name;
  } finally {
    db.close();
  }
}

export interface BackupResult {
  file: string;
  provider: 'sqlite' | 'postgresql';
  seal: 'data-key' | 'passphrase';
  bytes: number;
  ms: number;
}

/**
 * Writes a sealed snapshot of the database to `file` (refused if it exists). Online: SQLite's backup API
 * copies from one read transaction (in WAL mode writers are not blocked); pg_dump reads one snapshot.
 * The file appears under its name only once complete (written beside it, then linked into place).
 */
export async function backupDatabase(databaseUrl: string, file: string, withKey: SealWith): Promise<BackupResult> {
  const started = Date.now();
  const target = parseDatabaseUrl(databaseUrl);
  if (existsSync(file)) throw new BackupError('BACKUP_EXISTS', `${file} exists: backups are never overwritten, choose another name`);
  const { key, seal } = await sealKey(withKey);
  const iv = randomBytes(12);
  let source: {
    header: Omit<BackupHeader, 'seal' | 'iv' | 'check' | 'createdAt'>;
    stream: (sink: (input: NodeJS.ReadableStream) => Promise<void>) => Promise<void>;
  };
  if (target.provider === 'sqlite') {
    if (!existsSync(target.filename)) throw new Error(`no SQLite database at ${target.filename}`);
    source = {
      header: { provider: 'sqlite', format: 'sqlite', schema: null, migration: await lastMigrationSqlite(target.filename) },
      async stream(sink) {
        // The snapshot is plaintext for a moment: beside the database (same directory, same protection), 0600, then removed.
        const snapshot = path.join(path.dirname(target.filename), `.${path.basename(target.filename)}.backup-${randomSuffix()}`);
        await writeFile(snapshot, '', { mode: 0o600, flag: 'wx' });
        try {
          const db = new Database(target.filename, { fileMustExist: true, timeout: 15_000 });
          try {
            await db.backup(snapshot);
          } finally {
            db.close();
          }
          await sink(createReadStream(snapshot));
        } finally {
          await rm(snapshot, { force: true });
        }
      },
    };
  } else {
    const schema = target.schema ?? 'public';
    const client = new pg.Client({ connectionString: target.connectionString, options: searchPathOption(target.schema) });
    await client.connect();
    const migration = await client
      .query<{ name: string | null }>(`SELECT max("name") AS name FROM "${MIGRATIONS_TABLE}"`)
      .then((r) => r.rows[0]?.name ?? null)
      .finally(() => client.end());
    const tool = pgTool(target);
    source = {
      header: { provider: 'postgresql', format: 'pg_dump', schema, migration },
      stream: (sink) =>
        runPgTool(
          'pg_dump',
          ['--format=custom', '--no-owner', '--no-privileges', `--schema=${schema}`, `--dbname=${tool.dbname}`],
          tool.env,
          sink,
        ).then(() => undefined),
    };
  }
  const header: BackupHeader = {
    ...source.header,
    createdAt: new Date().toISOString(),
    seal,
    iv: iv.toString('base64'),
    check: checkOf(key).toString('base64'),
  };
  const aad = fileHead(header);

  const partial = `${file}.partial-${randomSuffix()}`;
  try {
    await source.stream(async (input) => {
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad);
      await pipeline(
        input,
        cipher,
        async function* (chunks: AsyncIterable<Buffer>) {
          yield aad;
          for await (const chunk of chunks) yield chunk;
          yield cipher.getAuthTag();
        },
        createWriteStream(partial, { flags: 'wx', mode: 0o600 }),
      );
    });
    const handle = await open(partial, 'r+');
    await handle.sync().finally(() => handle.close());
    // link, not rename: a file that appeared under the name meanwhile is not replaced.
    await link(partial, file).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'EEXIST'
        ? new BackupError('BACKUP_EXISTS', `${file} exists: backups are never overwritten, choose another name`)
        : error;
    });
  } finally {
    await unlink(partial).catch(() => undefined);
  }
  return { file, provider: target.provider, seal: seal.kind, bytes: (await stat(file)).size, ms: Date.now() - started };
}
