import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.spec.ts', 'plugins/**/*.spec.ts', 'test/**/*.spec.ts', 'bench/**/*.spec.ts'],
    setupFiles: ['reflect-metadata'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Integration specs share one PostgreSQL server; two cores make more workers slower, not faster.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
