import { UnavailableError } from '../errors.ts';

// Codes and messages of a database that is gone or cannot write, as they reach us: node-postgres and
// libpq-style SQLSTATEs (class 08: connection exceptions; 57P0x: shutting down, starting up), Node's socket
// errors, Prisma's P1001/P1017, SQLite's SQLITE_FULL / SQLITE_IOERR (the disk), wrapped by Prisma's driver
// adapters in `cause` or `meta`.
const CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  'P1001',
  'P1002',
  'P1017',
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
]);
const MESSAGES =
  /Connection terminated|Can't reach database server|database system is (shutting down|starting up|in recovery mode)|terminating connection due to administrator command|server closed the connection|connect ECONNREFUSED|Timed out fetching a new connection|Client has encountered a connection error/i;
const FULL = /SQLITE_FULL|database or disk is full|No space left on device|ENOSPC/i;
const DISK = /SQLITE_IOERR|disk I\/O error/i;

/** 'full' (SQLite's disk), 'disk' (it fails to read or write), 'unreachable' (the database is gone), or null: another kind of failure. */
export function databaseFault(error: unknown, depth = 0): 'full' | 'disk' | 'unreachable' | null {
  if (error === null || typeof error !== 'object' || depth > 6) return null;
  const e = error as Record<string, unknown>;
  const texts = [e.message, e.originalMessage, e.code, e.originalCode, e.kind].filter((v): v is string => typeof v === 'string');
  if (texts.some((t) => FULL.test(t))) return 'full';
  if (texts.some((t) => DISK.test(t))) return 'disk';
  if (texts.some((t) => CODES.has(t) || MESSAGES.test(t))) return 'unreachable';
  for (const inner of [e.cause, e.meta, e.driverAdapterError, e.originalError]) {
    const found = databaseFault(inner, depth + 1);
    if (found) return found;
  }
  return null;
}

/** The typed answer for a database fault (see databaseFault), or null. */
export function unavailableError(error: unknown): UnavailableError | null {
  if (error instanceof UnavailableError) return error;
  const fault = databaseFault(error);
  if (fault === 'full')
    return new UnavailableError('the database has no space left to record this: nothing was done (its disk is full)', 30);
  if (fault === 'disk') return new UnavailableError('the database cannot read or write its disk: nothing was done', 30);
  if (fault === 'unreachable') return new UnavailableError('the database cannot be reached: nothing was done; retry shortly');
  return null;
}
