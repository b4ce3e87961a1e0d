export { createDb, PrismaClient, type CreateDbOptions, type Db } from './create-db.ts';
export { DEFAULT_DATABASE_URL, parseDatabaseUrl, type DatabaseTarget, type Provider } from './database-url.ts';
export { loadMigrations, migratePostgres, migrateSqlite, migrationsDir, type Migration } from './migrate.ts';
export { decodeEncoding, encodeEncoding, ENCODING_BYTES, ENCODING_LENGTH, parseScopes, serializeScopes } from './codecs.ts';
export * from './enums.ts';
export { generateApiKey, hashApiKeySecret, hashPassword, parseApiKey, verifyApiKeySecret, verifyPassword } from './secrets.ts';
export type { Admin, ApiKey, Door, FaceSample, Person, Prisma, RecognitionEvent, Setting } from '../../generated/sqlite/client.ts';
