// Keeps the SQLite schema (source of truth), the derived PostgreSQL schema and both migration folders in
// step, offline. Used by scripts/db.ts and by the schema-sync test.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export type Provider = 'sqlite' | 'postgresql';
export const PROVIDERS: readonly Provider[] = ['sqlite', 'postgresql'];

export const apiRoot = path.resolve(import.meta.dirname, '..');
/** The schema and migrations live at the repository root (prisma/), beside prisma.config.ts. */
export const repoRoot = path.resolve(apiRoot, '../..');
export const prismaDir = path.join(repoRoot, 'prisma');
export const sqliteSchemaPath = path.join(prismaDir, 'schema.prisma');
export const postgresSchemaPath = path.join(prismaDir, 'postgres', 'schema.prisma');
/** The datamodel as of the latest migration: new migrations are diffs from it, so no database is needed. */
export const snapshotPath = path.join(prismaDir, 'migrations', 'schema.snapshot.prisma');

export function schemaPath(provider: Provider): string {
  return provider === 'sqlite' ? sqliteSchemaPath : postgresSchemaPath;
}

export function migrationsPath(provider: Provider): string {
  return path.join(path.dirname(schemaPath(provider)), 'migrations');
}

const DERIVED_HEADER =
  '// GENERATED from ../schema.prisma by `npm run db:generate -w @facegate/api`: do not edit.\n' +
  '// Same datamodel, PostgreSQL provider, own client output.\n\n';

function replaceOnce(text: string, pattern: RegExp, replacement: string): string {
  const matches = text.match(new RegExp(pattern.source, 'g'))?.length ?? 0;
  if (matches !== 1) throw new Error(`schema.prisma: expected exactly one match of ${pattern}, found ${matches}`);
  return text.replace(pattern, replacement);
}

/** The PostgreSQL schema is the SQLite one with the provider and the client output path rewritten. */
export function derivePostgresSchema(sqliteSchema: string): string {
  // The source's leading comment speaks of itself as the source of truth: not copied.
  let text = sqliteSchema.replace(/^(\/\/.*\n)+\n*/, '');
  text = replaceOnce(text, /provider(\s*)=\s*"sqlite"/, 'provider$1= "postgresql"');
  text = replaceOnce(text, /output(\s*)=\s*"\.\.\/apps\/api\/generated\/sqlite"/, 'output$1= "../../apps/api/generated/postgres"');
  return DERIVED_HEADER + text;
}

/** Writes prisma/postgres/schema.prisma; returns true when it changed. */
export function writePostgresSchema(): boolean {
  const next = derivePostgresSchema(readFileSync(sqliteSchemaPath, 'utf8'));
  if (existsSync(postgresSchemaPath) && readFileSync(postgresSchemaPath, 'utf8') === next) return false;
  mkdirSync(path.dirname(postgresSchemaPath), { recursive: true });
  writeFileSync(postgresSchemaPath, next);
  return true;
}

const prismaCli = path.join(path.dirname(createRequire(import.meta.url).resolve('prisma/package.json')), 'build', 'index.js');

/** Runs the Prisma CLI (JS entry point, this package's prisma.config.ts) for one provider. */
export async function runPrisma(provider: Provider, args: string[]): Promise<{ stdout: string; code: number }> {
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [prismaCli, ...args, '--config', path.join(repoRoot, 'prisma.config.ts')],
      {
        cwd: apiRoot,
        env: { ...process.env, FACEGATE_PRISMA_PROVIDER: provider, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    return { stdout, code: 0 };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    // `migrate diff --exit-code` exits 2 when the diff is not empty: an answer, not a failure.
    if (e.code === 2 && args.includes('--exit-code')) return { stdout: e.stdout ?? '', code: 2 };
    throw new Error(`prisma ${args.join(' ')} failed:\n${e.stderr ?? ''}${e.stdout ?? ''}`, { cause: error });
  }
}

/** Writes a schema file with the provider's datasource to a temp dir (for diffs from the snapshot). */
function withTempSchema<T>(text: string, use: (file: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-schema-'));
  const file = path.join(dir, 'schema.prisma');
  writeFileSync(file, text);
  return use(file).finally(() => rmSync(dir, { recursive: true, force: true }));
}

function snapshotFor(provider: Provider): string | undefined {
  if (!existsSync(snapshotPath)) return undefined;
  const snapshot = readFileSync(snapshotPath, 'utf8');
  return provider === 'sqlite' ? snapshot : derivePostgresSchema(snapshot);
}

/** PostgreSQL migrations target the connection's search_path; Prisma's `CREATE SCHEMA "public"` is dropped. */
function tidy(provider: Provider, sql: string): string {
  return provider === 'postgresql' ? sql.replace('-- CreateSchema\nCREATE SCHEMA IF NOT EXISTS "public";\n\n', '') : sql;
}

/** SQL that turns the datamodel of the latest migration into the current schema ('' when nothing changes). */
export async function pendingSql(provider: Provider): Promise<string> {
  const to = ['--to-schema-datamodel', schemaPath(provider), '--script'];
  const from = snapshotFor(provider);
  const { stdout } =
    from === undefined
      ? await runPrisma(provider, ['migrate', 'diff', '--from-empty', ...to])
      : await withTempSchema(from, (file) => runPrisma(provider, ['migrate', 'diff', '--from-schema-datamodel', file, ...to]));
  return tidy(provider, stdout.replace(/^-- This is an empty migration\.\s*$/m, '').trim());
}

/** The whole current schema as one script (for comparing with what the migrations build). */
export async function fullSchemaSql(provider: Provider): Promise<string> {
  const { stdout } = await runPrisma(provider, [
    'migrate',
    'diff',
    '--from-empty',
    '--to-schema-datamodel',
    schemaPath(provider),
    '--script',
  ]);
  return tidy(provider, stdout);
}

export function migrationNames(provider: Provider): string[] {
  const dir = migrationsPath(provider);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/** Problems that make schema and migrations disagree (empty list = in step). Needs no database. */
export async function checkInStep(): Promise<string[]> {
  const problems: string[] = [];
  const derived = derivePostgresSchema(readFileSync(sqliteSchemaPath, 'utf8'));
  if (!existsSync(postgresSchemaPath) || readFileSync(postgresSchemaPath, 'utf8') !== derived) {
    problems.push('prisma/postgres/schema.prisma is not derived from prisma/schema.prisma: run `npm run db:generate -w @facegate/api`');
  }
  const [sqliteNames, postgresNames] = [migrationNames('sqlite'), migrationNames('postgresql')];
  if (JSON.stringify(sqliteNames) !== JSON.stringify(postgresNames)) {
    problems.push(`migration folders differ: sqlite [${sqliteNames.join(', ')}] vs postgresql [${postgresNames.join(', ')}]`);
  }
  for (const provider of PROVIDERS) {
    for (const name of migrationNames(provider)) {
      if (!existsSync(path.join(migrationsPath(provider), name, 'migration.sql'))) {
        problems.push(`${provider} migration ${name} has no migration.sql`);
      }
    }
    if (!existsSync(path.join(migrationsPath(provider), 'migration_lock.toml'))) {
      problems.push(`${provider}: migrations/migration_lock.toml is missing`);
    }
  }
  if (sqliteNames.length > 0 && !existsSync(snapshotPath)) problems.push(`${path.relative(repoRoot, snapshotPath)} is missing`);
  // SQLite side only: the PostgreSQL schema is derived from the same datamodel (checked above).
  const sql = await pendingSql('sqlite');
  if (sql !== '') {
    problems.push(`prisma/schema.prisma changed since the last migration: run \`npm run db:migration -w @facegate/api -- <name>\`\n${sql}`);
  }
  return problems;
}
