import { spawn } from 'node:child_process';
import type { DatabaseTarget } from '../database-url.ts';
import { BackupError } from './backup-file.ts';

/** PostgreSQL's command-line tools get the URL without its password (visible in `ps`): it goes in PGPASSWORD. */
export function pgTool(target: Extract<DatabaseTarget, { provider: 'postgresql' }>) {
  const url = new URL(target.connectionString);
  const password = decodeURIComponent(url.password);
  url.password = '';
  return { dbname: url.toString(), env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) } };
}

/** Runs a PostgreSQL tool; its stdout is handed to `consume` while it runs. */
export async function runPgTool(
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
