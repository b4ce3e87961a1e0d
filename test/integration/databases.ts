import path from 'node:path';
import pg from 'pg';

export interface TestDatabase {
  readonly name: string;
  /** Why this database is skipped, or null. */
  readonly skip: string | null;
  url(dir: string): Promise<string>;
  drop?(): Promise<void>;
}

/**
 * The databases every API test runs on: a real SQLite file, and a real PostgreSQL server when
 * TEST_DATABASE_URL names one (.ci/run starts one). Each PostgreSQL run gets a fresh schema.
 */
export function databases(): TestDatabase[] {
  const sqlite: TestDatabase = { name: 'SQLite', skip: null, url: async (dir) => `file:${path.join(dir, 'facegate.db')}` };
  const base = process.env.TEST_DATABASE_URL;
  let schema: string | undefined;
  const postgres: TestDatabase = {
    name: 'PostgreSQL',
    skip: base ? null : 'TEST_DATABASE_URL is not set',
    async url() {
      schema = `facegate_it_${process.pid}_${Date.now()}`;
      const url = new URL(base!);
      url.searchParams.set('schema', schema);
      return url.toString();
    },
    async drop() {
      if (!schema) return;
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
  return [sqlite, postgres];
}
