import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type Provider = 'sqlite' | 'postgresql';

export type DatabaseTarget =
  | { provider: 'sqlite'; url: string; filename: string }
  | { provider: 'postgresql'; url: string; connectionString: string; schema: string | undefined };

/** apps/api: the default SQLite file lives in apps/api/data/ whatever the current directory is. */
const apiRoot = path.resolve(import.meta.dirname, '../..');

export const DEFAULT_DATABASE_URL = `file:${path.join(apiRoot, 'data', 'facegate.db')}`;

/** PostgreSQL schema names we accept in `?schema=` (kept simple so they need no quoting in `search_path`). */
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * `file:relative/or/absolute.db` (relative to the current directory) or
 * `postgresql://user:pass@host:port/db?schema=name` (Prisma's `schema` parameter picks the schema).
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (url.startsWith('file:')) {
    const withoutQuery = url.split('?')[0]!;
    const filename = withoutQuery.startsWith('file://') ? fileURLToPath(withoutQuery) : path.resolve(withoutQuery.slice('file:'.length));
    if (withoutQuery === 'file:' || filename.endsWith(':memory:')) {
      // The migrator and Prisma use separate connections, so an in-memory database would not be shared.
      throw new Error(`DATABASE_URL must name a SQLite file, got ${JSON.stringify(url)}`);
    }
    return { provider: 'sqlite', url, filename };
  }
  if (url.startsWith('postgresql://') || url.startsWith('postgres://')) {
    const parsed = new URL(url);
    const schema = parsed.searchParams.get('schema') ?? undefined;
    if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
      throw new Error(`Unsupported PostgreSQL schema name ${JSON.stringify(schema)} (letters, digits, _)`);
    }
    // `schema` is Prisma's parameter, not libpq's: node-postgres must not see it.
    parsed.searchParams.delete('schema');
    return { provider: 'postgresql', url, connectionString: parsed.toString(), schema };
  }
  throw new Error('DATABASE_URL must start with file: (SQLite) or postgresql:// (PostgreSQL)');
}

/** `-c search_path=...` for node-postgres, so unqualified names (migrations, raw SQL) use the schema. */
export function searchPathOption(schema: string | undefined): string | undefined {
  return schema === undefined ? undefined : `-c search_path=${schema}`;
}
