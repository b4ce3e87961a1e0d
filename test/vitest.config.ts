import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql ships CommonJS and ESM builds; Node loads the CommonJS one for our dependencies, so
    // our own imports must get the same copy ("Cannot use GraphQLObjectType from another realm").
    alias: { graphql: require.resolve('graphql') },
  },
  test: {
    include: ['integration/**/*.test.ts', 'e2e/**/*.test.ts'],
    // Lists every skip with its reason after the run (the default reporter only counts them).
    reporters: ['default', '../scripts/vitest-skip-reporter.ts'],
    // Each file starts an API with its own recognition threads (the browser tests a dashboard and
    // Chromium too): one file at a time on 2 cores.
    fileParallelism: false,
    // The API logs every operation as JSON; tests keep warnings and errors only (operations.test.ts checks the lines).
    env: { FACEGATE_LOG_LEVEL: process.env.FACEGATE_LOG_LEVEL ?? 'warn' },
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});
