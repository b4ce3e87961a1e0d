// The backup file: its format, the key it is sealed with (data key or passphrase), reading it back.
import {
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
  scrypt as scryptCallback,
  timingSafeEqual,
  type ScryptOptions,
} from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';

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
export const checkOf = (key: Buffer) => createHmac('sha256', key).update('facegate backup key check').digest().subarray(0, 16);
const scrypt = (passphrase: string, salt: Buffer, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCallback(passphrase.normalize('NFC'), salt, 32, { ...options, maxmem: 256 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
const dataKeySubkey = (key: Buffer, salt: Buffer) => Buffer.from(hkdfSync('sha256', key, salt, 'facegate backup v1', 32));

export async function sealKey(withKey: SealWith): Promise<{ key: Buffer; seal: Seal }> {
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

export async function openKey(header: BackupHeader, withKey: SealWith): Promise<Buffer> {
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

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
/** A suffix for the temporary files written beside the target. */
export const randomSuffix = () => randomBytes(6).toString('hex');

/** What stands before the ciphertext, authenticated with it (AAD): magic, version, header length, header. */
export function fileHead(header: BackupHeader): Buffer {
  const headerBytes = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(PREFIX);
  MAGIC.copy(prefix);
  prefix.writeUInt8(VERSION, MAGIC.length);
  prefix.writeUInt32BE(headerBytes.length, MAGIC.length + 1);
  return Buffer.concat([prefix, headerBytes]);
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
export async function decryptBody(file: string, withKey: SealWith, out: string): Promise<BackupHeader> {
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
