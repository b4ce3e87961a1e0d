import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Lists every skip with its reason after the run (the default reporter only counts them).
    reporters: ['default', '../../scripts/vitest-skip-reporter.ts'],
    // Model inference is CPU-bound on a 2-core machine: one file at a time keeps timings sane.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
