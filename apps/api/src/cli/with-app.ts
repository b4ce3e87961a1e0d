import type { App } from '../app.ts';

/**
 * Runs `fn` against the API's database (DATABASE_URL, migrated) and recognition pool, then closes them.
 * The API (Prisma, the schema, the services: ~180 MB) is imported here, on first use, so the face
 * engine's commands (`facegate bench`, `encode`, ...) run without it.
 */
export async function withApp<T>(fn: (app: App) => Promise<T>): Promise<T> {
  const [{ createApp }, { loadConfig }, { createLogger }] = await Promise.all([import('../app.ts'), import('../config.ts'), import('../ops/logger.ts')]);
  // Logs go to stderr: stdout is the command's answer (one JSON object with --json).
  const app = await createApp(loadConfig(), { logger: createLogger({ level: process.env.FACEGATE_LOG_LEVEL ?? 'warn', destination: process.stderr }) });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}
