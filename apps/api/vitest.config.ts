import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // One graphql for everyone: Node loads its CommonJS build for our dependencies, so ours must too.
    alias: { graphql: require.resolve('graphql') },
  },
  test: {
    include: ['src/**/*.test.ts'],
    // Lists every skip with its reason after the run (the default reporter only counts them).
    reporters: ['default', '../../scripts/vitest-skip-reporter.ts'],
    // Real databases (one SQLite file or PostgreSQL schema per suite) on a shared 2-core machine.
    fileParallelism: false,
    // The API logs every operation as JSON; tests keep warnings and errors only (operations.test.ts checks the lines).
    env: { FACEGATE_LOG_LEVEL: process.env.FACEGATE_LOG_LEVEL ?? 'warn' },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
