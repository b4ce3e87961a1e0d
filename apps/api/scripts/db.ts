// Database tooling for @facegate/api (run through npm scripts, see package.json):
//   generate           derive prisma/postgres/schema.prisma, then generate both Prisma clients (postinstall)
//   migration <name>   write the next migration for SQLite and PostgreSQL from the schema change
//   check              fail when schema and migrations disagree
//   migrate            apply pending migrations to $DATABASE_URL (the API also does this at start)
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  repoRoot,
  checkInStep,
  migrationsPath,
  pendingSql,
  PROVIDERS,
  runPrisma,
  snapshotPath,
  sqliteSchemaPath,
  writePostgresSchema,
} from './schema-tools.ts';

async function generate(): Promise<void> {
  if (writePostgresSchema()) console.log('Updated prisma/postgres/schema.prisma');
  for (const provider of PROVIDERS) {
    await runPrisma(provider, ['generate']);
    console.log(`Generated the ${provider} Prisma client`);
  }
}

function timestamp(): string {
  return new Date().toISOString().replace(/\D/g, '').slice(0, 14); // Prisma's YYYYMMDDHHMMSS
}

async function migration(name: string | undefined): Promise<void> {
  if (!name || !/^[a-z0-9_]+$/.test(name)) {
    throw new Error('usage: npm run db:migration -w @facegate/api -- <name>   (name: lower-case letters, digits, _)');
  }
  writePostgresSchema();
  const scripts = await Promise.all(PROVIDERS.map((provider) => pendingSql(provider)));
  if (scripts.every((sql) => sql === '')) {
    // Comments or client-only attributes (@updatedAt, @default(cuid())) changed: no SQL, refresh the snapshot.
    copyFileSync(sqliteSchemaPath, snapshotPath);
    console.log('No database change since the last migration; nothing written.');
    return;
  }
  const folder = `${timestamp()}_${name}`;
  PROVIDERS.forEach((provider, i) => {
    const dir = path.join(migrationsPath(provider), folder);
    mkdirSync(dir, { recursive: true });
    // Both providers get the folder, even if one has no SQL, so the histories keep the same names.
    writeFileSync(path.join(dir, 'migration.sql'), `${scripts[i] || '-- No change for this provider.'}\n`);
    const lock = path.join(migrationsPath(provider), 'migration_lock.toml');
    if (!existsSync(lock)) {
      writeFileSync(lock, `# Written by scripts/db.ts; Prisma's format.\nprovider = "${provider}"\n`);
    }
    console.log(`Wrote ${path.relative(repoRoot, path.join(dir, 'migration.sql'))}`);
  });
  copyFileSync(sqliteSchemaPath, snapshotPath);
}

async function check(): Promise<void> {
  const problems = await checkInStep();
  if (problems.length > 0) {
    for (const problem of problems) console.error(`✗ ${problem}`);
    process.exitCode = 1;
    return;
  }
  console.log('Schema, derived PostgreSQL schema and both migration histories are in step.');
}

async function migrate(): Promise<void> {
  // Imported here: it needs the generated clients, which `generate` (postinstall) creates.
  const { createDb } = await import('../src/db/create-db.ts');
  const db = createDb();
  try {
    const applied = await db.migrate();
    console.log(applied.length === 0 ? `${db.provider}: up to date` : `${db.provider}: applied ${applied.join(', ')}`);
  } finally {
    await db.close();
  }
}

const [command, ...args] = process.argv.slice(2);
const commands: Record<string, () => Promise<void>> = {
  generate,
  migration: () => migration(args[0]),
  check,
  migrate,
};
const run = command === undefined ? undefined : commands[command];
if (!run) {
  console.error(`usage: tsx scripts/db.ts <${Object.keys(commands).join('|')}>`);
  process.exit(2);
}
await run();
