// `facegate db backup` / `facegate db restore`: an online, consistent snapshot of the database (SQLite's
// backup API; pg_dump's single snapshot on PostgreSQL), sealed with AES-256-GCM under the data key or a
// passphrase, and its restore into an empty database only.
import { spawn } from 'node:child_process';
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
  scrypt as scryptCallback,
  timingSafeEqual,
  type ScryptOptions,
} from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { link, mkdir, mkdtemp, open, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import Database from 'better-sqlite3';
import pg from 'pg';
import { parseDatabaseUrl, searchPathOption, type DatabaseTarget } from './database-url.ts';
import { MIGRATIONS_TABLE } from './migrate.ts';

export type BackupErrorCode =
  | 'NOT_A_BACKUP'
  | 'UNSUPPORTED_BACKUP_VERSION'
  | 'BACKUP_TAMPERED'
  | 'WRONG_PASSPHRASE'
  | 'PASSPHRASE_REQUIRED'
  | 'WRONG_DATA_KEY'
  | 'NO_DATA_KEY'
  | 'PROVIDER_MISMATCH'
  | 'DATABASE_NOT_EMPTY'
  | 'BACKUP_EXISTS'
  | 'PG_TOOL_MISSING'
  | 'PG_TOOL_FAILED';

/** An expected failure of backup or restore, with a stable code (the facegate command prints it). */
export class BackupError extends Error {
  constructor(
    readonly code: BackupErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BackupError';
  }
}

/**
 * The file: "FGBK" | version (1 byte) | header length (4 bytes, big-endian) | header (JSON) | ciphertext |
 * GCM tag (16). Everything before the ciphertext is authenticated with it (AAD), so an edited header fails
 * like an edited body. `check` (an HMAC of a constant under the derived key) tells a wrong passphrase or
 * key from a tampered file before anything is decrypted.
 */
const MAGIC = Buffer.from('FGBK');
const VERSION = 1;
const PREFIX = MAGIC.length + 1 + 4;
const TAG_BYTES = 16;
const MAX_HEADER = 64 * 1024;
// scrypt: 2^17 x 8 x 128 bytes = 128 MiB and ~0.3 s per try (OWASP's minimum is 2^17 with r = 8).
const SCRYPT = { N: 2 ** 17, r: 8, p: 1 };
const SCRYPT_LIMITS = { N: 2 ** 20, r: 16, p: 4 };

type Seal =
  { kind: 'data-key'; keyId: string; salt: string } | { kind: 'passphrase'; kdf: 'scrypt'; N: number; r: number; p: number; salt: string };

export interface BackupHeader {
  provider: 'sqlite' | 'postgresql';
  /** 'sqlite' (the database file) | 'pg_dump' (pg_dump's custom format, one schema). */
  format: 'sqlite' | 'pg_dump';
  /** PostgreSQL: the schema dumped. */
  schema: string | null;
  createdAt: string;
  /** The last migration applied when the snapshot was taken. */
  migration: string | null;
  seal: Seal;
  iv: string;
  check: string;
}

/** How a backup is sealed, or opened: with the data key ring, or a passphrase. */
export type SealWith = { passphrase: string } | { dataKey: Buffer | null; previous?: readonly Buffer[] };

const keyIdOf = (key: Uint8Array) => createHash('sha256').update(key).digest().subarray(0, 4).toString('hex');
const checkOf = (key: Buffer) => createHmac('sha256', key).update('facegate backup key check').digest().subarray(0, 16);
const scrypt = (passphrase: string, salt: Buffer, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCallback(passphrase.normalize('NFC'), salt, 32, { ...options, maxmem: 256 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
const dataKeySubkey = (key: Buffer, salt: Buffer) => Buffer.from(hkdfSync('sha256', key, salt, 'facegate backup v1', 32));

async function sealKey(withKey: SealWith): Promise<{ key: Buffer; seal: Seal }> {
  const salt = randomBytes(16);
  if ('passphrase' in withKey) {
    if (withKey.passphrase.length === 0) throw new BackupError('PASSPHRASE_REQUIRED', 'the passphrase is empty');
    return {
      key: await scrypt(withKey.passphrase, salt, SCRYPT),
      seal: { kind: 'passphrase', kdf: 'scrypt', ...SCRYPT, salt: salt.toString('base64') },
    };
  }
  if (!withKey.dataKey)
    throw new BackupError(
      'NO_DATA_KEY',
      'no data key (FACEGATE_DATA_KEY or the data key file) to seal the backup with; give a passphrase instead',
    );
  return {
    key: dataKeySubkey(withKey.dataKey, salt),
    seal: { kind: 'data-key', keyId: keyIdOf(withKey.dataKey), salt: salt.toString('base64') },
  };
}

async function openKey(header: BackupHeader, withKey: SealWith): Promise<Buffer> {
  const seal = header.seal;
  const salt = Buffer.from(seal.salt, 'base64');
  let key: Buffer;
  if (seal.kind === 'passphrase') {
    if (!('passphrase' in withKey) || withKey.passphrase.length === 0)
      throw new BackupError(
        'PASSPHRASE_REQUIRED',
        'this backup is sealed with a passphrase: give it (--passphrase-file or FACEGATE_BACKUP_PASSPHRASE)',
      );
    if (!(seal.N <= SCRYPT_LIMITS.N && seal.r <= SCRYPT_LIMITS.r && seal.p <= SCRYPT_LIMITS.p))
      throw new BackupError('BACKUP_TAMPERED', 'the backup asks for scrypt parameters beyond any this version writes');
    key = await scrypt(withKey.passphrase, salt, { N: seal.N, r: seal.r, p: seal.p });
    if (!timingSafeEqual(checkOf(key), Buffer.from(header.check, 'base64')))
      throw new BackupError('WRONG_PASSPHRASE', 'wrong passphrase for this backup');
    return key;
  }
  if ('passphrase' in withKey)
    throw new BackupError(
      'WRONG_DATA_KEY',
      `this backup is sealed with data key ${seal.keyId}, not a passphrase: restore it with that key in FACEGATE_DATA_KEY (or its key file)`,
    );
  const ring = [withKey.dataKey, ...(withKey.previous ?? [])].filter((k): k is Buffer => k !== null);
  const dataKey = ring.find((k) => keyIdOf(k) === seal.keyId);
  if (!dataKey)
    throw new BackupError(
      'WRONG_DATA_KEY',
      `this backup is sealed with data key ${seal.keyId}; ${ring.length ? `the keys given are ${ring.map(keyIdOf).join(', ')}` : 'no data key is set'} (FACEGATE_DATA_KEY, FACEGATE_DATA_KEY_FILE or data.key beside the SQLite file)`,
    );
  key = dataKeySubkey(dataKey, salt);
  if (!timingSafeEqual(checkOf(key), Buffer.from(header.check, 'base64')))
    throw new BackupError('BACKUP_TAMPERED', 'the backup header does not match its data key: the file was altered');
  return key;
}

/** PostgreSQL's command-line tools get the URL without its password (visible in `ps`): it goes in PGPASSWORD. */
function pgTool(target: Extract<DatabaseTarget, { provider: 'postgresql' }>) {
  const url = new URL(target.connectionString);
  const password = decodeURIComponent(url.password);
  url.password = '';
  return { dbname: url.toString(), env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) } };
}

/** Runs a PostgreSQL tool; its stdout is handed to `consume` while it runs. */
async function runPgTool(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  consume?: (stdout: NodeJS.ReadableStream) => Promise<void>,
): Promise<string> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new BackupError(
              'PG_TOOL_MISSING',
              `${command} is not installed: install PostgreSQL's client tools (Debian: apt-get install postgresql-client)`,
            )
          : error,
      ),
    );
    child.once('close', resolve);
  });
  if (consume) await Promise.all([consume(child.stdout), exited]);
  else child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await exited;
  if (code !== 0) throw new BackupError('PG_TOOL_FAILED', `${command} failed (exit ${code}): ${stderr.trim().slice(-2000)}`);
  return stdout;
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const randomSuffix = () => randomBytes(6).toString('hex');

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
  const headerBytes = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(PREFIX);
  MAGIC.copy(prefix);
  prefix.writeUInt8(VERSION, MAGIC.length);
  prefix.writeUInt32BE(headerBytes.length, MAGIC.length + 1);
  const aad = Buffer.concat([prefix, headerBytes]);

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

/** Reads and checks a backup's header (not yet its body: that is authenticated as it is decrypted). */
export async function readBackupHeader(file: string): Promise<{ header: BackupHeader; aad: Buffer; size: number; tag: Buffer }> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const prefix = Buffer.alloc(PREFIX);
    await handle.read(prefix, 0, PREFIX, 0);
    if (size < PREFIX + TAG_BYTES || !MAGIC.equals(prefix.subarray(0, MAGIC.length)))
      throw new BackupError('NOT_A_BACKUP', `${file} is not a facegate backup`);
    const version = prefix.readUInt8(MAGIC.length);
    if (version !== VERSION)
      throw new BackupError('UNSUPPORTED_BACKUP_VERSION', `${file} is a backup of format ${version}; this version reads format ${VERSION}`);
    const length = prefix.readUInt32BE(MAGIC.length + 1);
    if (length > MAX_HEADER || PREFIX + length + TAG_BYTES > size)
      throw new BackupError('BACKUP_TAMPERED', `${file}: its header length is impossible (the file was altered or cut short)`);
    const headerBytes = Buffer.alloc(length);
    await handle.read(headerBytes, 0, length, PREFIX);
    const tag = Buffer.alloc(TAG_BYTES);
    await handle.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
    let header: BackupHeader;
    try {
      header = JSON.parse(headerBytes.toString('utf8')) as BackupHeader;
    } catch {
      throw new BackupError('BACKUP_TAMPERED', `${file}: its header is not readable (the file was altered)`);
    }
    if (
      !['sqlite', 'postgresql'].includes(header.provider) ||
      !header.seal ||
      typeof header.iv !== 'string' ||
      typeof header.check !== 'string' ||
      (header.schema !== null && !SCHEMA_NAME.test(header.schema))
    ) {
      throw new BackupError('BACKUP_TAMPERED', `${file}: its header is not one this version writes (the file was altered)`);
    }
    return { header, aad: Buffer.concat([prefix, headerBytes]), size, tag };
  } finally {
    await handle.close();
  }
}

/** Decrypts the body into `out` (0600, must not exist); a failed authentication removes it and throws BACKUP_TAMPERED. */
async function decryptBody(file: string, withKey: SealWith, out: string): Promise<BackupHeader> {
  const { header, aad, size, tag } = await readBackupHeader(file);
  const key = await openKey(header, withKey);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(header.iv, 'base64'));
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  const start = aad.length;
  const end = size - TAG_BYTES; // exclusive
  try {
    await pipeline(
      end > start ? createReadStream(file, { start, end: end - 1 }) : [Buffer.alloc(0)],
      decipher,
      createWriteStream(out, { flags: 'wx', mode: 0o600 }),
    );
  } catch (error) {
    await rm(out, { force: true });
    if (error instanceof Error && /unable to authenticate|auth/i.test(error.message))
      throw new BackupError('BACKUP_TAMPERED', `${file} does not authenticate: it was altered or cut short; nothing was restored`);
    throw error;
  }
  return header;
}

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
