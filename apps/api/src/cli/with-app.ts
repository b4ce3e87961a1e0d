import type { App } from '../app.ts';

/**
 * Runs `fn` against the API's database (DATABASE_URL, migrated) and recognition pool, then closes them.
 * The API (Prisma, the schema, the services: ~180 MB) is imported here, on first use, so the face
 * engine's commands (`facegate bench`, `encode`, ...) run without it.
 */
export async function withApp<T>(fn: (app: App) => Promise<T>): Promise<T> {
  const [{ createApp }, { loadConfig }, { createLogger }] = await Promise.all([
    import('../app.ts'),
    import('../config.ts'),
    import('../ops/logger.ts'),
  ]);
  // Logs go to stderr: stdout is the command's answer (one JSON object with --json).
  const app = await createApp(loadConfig(), {
    logger: createLogger({ level: process.env.FACEGATE_LOG_LEVEL ?? 'warn', destination: process.stderr }),
  });
  // The first command to open a new database creates its first administrator (as the API's start
  // does): a generated password must be shown here, or nobody could sign in.
  const first = app.firstAdmin;
  if (first.status === 'created' && first.generatedPassword) {
    process.stderr.write(
      `first administrator created: ${first.email} / ${first.generatedPassword} (shown once; set FACEGATE_ADMIN_EMAIL and FACEGATE_ADMIN_PASSWORD to choose)\n`,
    );
  }
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}
