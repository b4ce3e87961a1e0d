// Prisma CLI configuration, for offline use only: `prisma generate` and `prisma migrate diff` between
// datamodels (see scripts/db.ts). The CLI never touches a real database here: migrations are applied by
// src/db/migrate.ts. FACEGATE_PRISMA_PROVIDER=postgresql selects the derived PostgreSQL schema.
import path from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { defineConfig } from 'prisma/config';
import { offlinePostgresAdapter } from './apps/api/scripts/offline-adapter.ts';

// Prisma 6.19 would download native engines at start-up; with `engine: 'js'` below they are never used,
// so pointing these at any existing file skips the download (this machine has no internet but npm).
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= import.meta.filename;
process.env.PRISMA_QUERY_ENGINE_LIBRARY ??= import.meta.filename;

const postgres = process.env.FACEGATE_PRISMA_PROVIDER === 'postgresql';
const dir = path.join(import.meta.dirname, 'prisma', postgres ? 'postgres' : '');

export default defineConfig({
  experimental: { adapter: true },
  // Bundled WebAssembly schema engine instead of the native binary.
  engine: 'js',
  schema: path.join(dir, 'schema.prisma'),
  migrations: { path: path.join(dir, 'migrations') },
  adapter: async () => (postgres ? offlinePostgresAdapter() : new PrismaBetterSQLite3({ url: ':memory:' })),
});
