import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.ts';

const run = promisify(execFile);

/** Debian's PostgreSQL server binaries (initdb, pg_ctl), the newest version installed; null when absent. */
function serverBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(root, versions[0]!, 'bin') : null;
}

// initdb refuses to run as root: there, the cluster belongs to the `postgres` user (Debian's package creates it).
const asRoot = process.getuid?.() === 0;
const postgresUser = asRoot
  ? (() =>
      run('id', ['-u', 'postgres']).then(
        (r) => Number(r.stdout.trim()),
        () => null,
      ))()
  : Promise.resolve(null);

/** Why a throwaway cluster cannot be started here, or null. */
export function throwawayPostgresSkip(): string | null {
  if (!serverBin()) return 'PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are not installed';
  return null;
}

export interface ThrowawayPostgres {
  /** postgresql://postgres@127.0.0.1:<port>/postgres (trust authentication on the loopback). */
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its files. */
  destroy(): Promise<void>;
}

/**
 * A PostgreSQL cluster of its own, in a temp directory, on a free port: a test may stop and restart it
 * (the shared server on 5432 is never touched), or use it as "another machine".
 */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = serverBin()!;
  const dir = await mkdtemp(path.join(tmpdir(), 'facegate-pg-'));
  const data = path.join(dir, 'data');
  const uid = await postgresUser;
  if (asRoot && uid === null) throw new Error('running as root, and there is no postgres user to own a throwaway cluster');
  if (uid !== null) await chown(dir, uid, uid);
  const as = (command: string, args: string[]) =>
    uid !== null ? run('runuser', ['-u', 'postgres', '--', path.join(bin, command), ...args]) : run(path.join(bin, command), args);
  await as('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = async () => void (await as('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'log'), '-w', '-t', '60', 'start']));
  const stop = async () => void (await as('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']));
  await start();
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    async destroy() {
      await stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
