import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Owner read/write only. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * A random key kept in a file readable by its owner only (mode 0600), created on first use. Two
 * processes starting together agree on one key: it is written to a temp file, then hard-linked into
 * place, which fails if the other got there first. An existing file that others can read is made 0600.
 */
export function readOrCreateKeyFile(file: string, bytes = 32): Buffer {
  try {
    return readKey(file, bytes);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, `${randomBytes(bytes).toString('base64')}\n`, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  try {
    linkSync(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temp);
  }
  return readKey(file, bytes);
}

function readKey(file: string, bytes: number): Buffer {
  const text = readFileSync(file, 'utf8').trim();
  restrictMode(file);
  const key = Buffer.from(text, 'base64');
  if (key.length < bytes) throw new Error(`${file} does not hold a key of ${bytes} bytes (base64): fix or delete it`);
  return key;
}

/** Makes a file readable and writable by its owner only, when it exists and is more open than that. */
export function restrictMode(file: string): void {
  try {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
