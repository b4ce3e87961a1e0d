import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readOrCreateKeyFile, restrictMode } from '../auth/key-file.ts';
import type { Config } from '../config.ts';
import { DEFAULT_DATABASE_URL, parseDatabaseUrl } from './database-url.ts';
import { parseDataKey } from './sealed.ts';

/** Where generated key files live by default: beside the SQLite file, else in apps/api/data/. */
export function defaultKeyFile(databaseUrl: string, name: string): string {
  const target = parseDatabaseUrl(databaseUrl);
  const dir =
    target.provider === 'sqlite'
      ? path.dirname(target.filename)
      : path.dirname((parseDatabaseUrl(DEFAULT_DATABASE_URL) as { filename: string }).filename);
  return path.join(dir, name);
}

/** The key file in use when FACEGATE_DATA_KEY is unset. */
export function dataKeyFile(config: Config): string {
  return config.FACEGATE_DATA_KEY_FILE ?? defaultKeyFile(config.DATABASE_URL, 'data.key');
}

/**
 * The data key (FACEGATE_DATA_KEY, else the key file) and the earlier ones (FACEGATE_DATA_KEY_PREVIOUS).
 * `create: false` (backup, restore) never generates a key file: a new key would open nothing.
 */
export function dataKeys(config: Config, options: { create: boolean }): { current: Buffer | null; previous: Buffer[] } {
  const previous = (config.FACEGATE_DATA_KEY_PREVIOUS ?? '')
    .split(',')
    .filter((k) => k.trim())
    .map((k) => parseDataKey(k, 'FACEGATE_DATA_KEY_PREVIOUS'));
  if (config.FACEGATE_DATA_KEY) return { current: parseDataKey(config.FACEGATE_DATA_KEY, 'FACEGATE_DATA_KEY'), previous };
  const file = dataKeyFile(config);
  if (options.create) return { current: readOrCreateKeyFile(file).subarray(0, 32), previous };
  try {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    restrictMode(file);
    // As readOrCreateKeyFile reads it: the first 32 bytes.
    if (key.length < 32) throw new Error(`${file} does not hold a key of 32 bytes (base64): fix or delete it`);
    return { current: key.subarray(0, 32), previous };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return { current: null, previous };
  }
}
