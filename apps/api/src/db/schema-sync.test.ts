// Schema and migrations agree: the offline check (derived PostgreSQL schema, same migration names on both
// sides, no schema change without a migration), then, per provider, the database the committed migrations
// build has the same tables, columns, indexes and constraints as one built from schema.prisma directly.
import { afterAll, describe, expect, it } from 'vitest';
import { checkInStep, fullSchemaSql } from '../../scripts/schema-tools.ts';
import { createDb } from './create-db.ts';
import {
  createTestDatabase,
  describeStructure,
  PROVIDERS,
  providerAvailable,
  runScript,
  suiteTitle,
  type TestDatabase,
} from './test-support.ts';

describe('schema and migrations', () => {
  it('are in step (same as `npm run db:check`)', async () => {
    expect(await checkInStep()).toEqual([]);
  });
});

for (const provider of PROVIDERS) {
  describe.skipIf(!providerAvailable(provider))(suiteTitle(provider, 'migrations reproduce schema.prisma'), () => {
    const databases: TestDatabase[] = [];
    afterAll(async () => {
      for (const database of databases) await database.drop();
    });

    it('builds the same structure as the schema', async () => {
      const migrated = await createTestDatabase(provider);
      const direct = await createTestDatabase(provider);
      databases.push(migrated, direct);

      const db = createDb({ databaseUrl: migrated.url });
      try {
        await db.migrate();
      } finally {
        await db.close();
      }
      await runScript(direct, await fullSchemaSql(provider));

      const expected = await describeStructure(direct);
      expect(JSON.stringify(expected)).toContain('RecognitionEvent');
      expect(await describeStructure(migrated)).toEqual(expected);
    });
  });
}
