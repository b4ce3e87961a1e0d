import {
  ColumnTypeEnum,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
} from '@prisma/driver-adapter-utils';

/**
 * A PostgreSQL "driver adapter" with no database behind it, for the Prisma CLI in `engine: 'js'` mode.
 *
 * `prisma migrate diff --from-schema-datamodel ... --to-schema-datamodel ...` needs no database, but the
 * WebAssembly schema engine still connects first and asks for the server version. Answering that one
 * query lets PostgreSQL migrations be written offline (no server running). Anything else fails loudly.
 */
export function offlinePostgresAdapter(): SqlMigrationAwareDriverAdapterFactory {
  const refuse = (what: string) => () =>
    Promise.reject(new Error(`offline Prisma adapter: ${what} needs a real database (only datamodel diffs work)`));
  const adapter: SqlDriverAdapter = {
    provider: 'postgres',
    adapterName: '@facegate/offline-postgres',
    queryRaw(query: SqlQuery) {
      if (query.sql.includes('numeric_version')) {
        return Promise.resolve({
          columnNames: ['exists', 'version', 'numeric_version'],
          columnTypes: [ColumnTypeEnum.Boolean, ColumnTypeEnum.Text, ColumnTypeEnum.Int32],
          rows: [[true, 'PostgreSQL 15.0 (offline)', 150000]],
        });
      }
      return refuse(`query ${JSON.stringify(query.sql.slice(0, 60))}`)();
    },
    executeRaw: refuse('executeRaw'),
    executeScript: refuse('executeScript'),
    startTransaction: refuse('startTransaction'),
    dispose: () => Promise.resolve(),
  };
  return {
    provider: 'postgres',
    adapterName: '@facegate/offline-postgres',
    connect: () => Promise.resolve(adapter),
    connectToShadowDb: () => Promise.resolve(adapter),
  };
}
