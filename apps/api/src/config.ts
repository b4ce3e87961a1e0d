import os from 'node:os';
import { z } from 'zod';
import { DEFAULT_DATABASE_URL } from './db/database-url.ts';

const envSchema = z.object({
  DATABASE_URL: z.string().default(DEFAULT_DATABASE_URL),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  FACEGATE_ADMIN_EMAIL: z.string().email().optional(),
  FACEGATE_ADMIN_PASSWORD: z.string().min(10, 'FACEGATE_ADMIN_PASSWORD needs at least 10 characters').optional(),
  /** Signs administrators' session tokens; generated and stored in the database when unset. */
  FACEGATE_SECRET: z.string().min(32).optional(),
  FACEGATE_MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(10 * 1024 * 1024),
  FACEGATE_RECOGNIZER_THREADS: z.coerce.number().int().positive().default(Math.max(1, os.availableParallelism())),
  FACEGATE_MAX_QUERY_DEPTH: z.coerce.number().int().positive().default(8),
  FACEGATE_MAX_QUERY_COST: z.coerce.number().int().positive().default(5000),
});

export type Config = z.infer<typeof envSchema>;

/** The API's configuration from the environment; a bad value stops start-up with a clear message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  }
  return parsed.data;
}
