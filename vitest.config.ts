import { defineConfig } from 'vitest/config';
import { DurationSequencer } from './test/timing/duration-sequencer.ts';

export default defineConfig({
  test: {
    include: ['src/**/*.spec.ts', 'plugins/**/*.spec.ts', 'test/**/*.spec.ts', 'bench/**/*.spec.ts'],
    setupFiles: ['reflect-metadata'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Integration specs share one PostgreSQL server; two cores make more workers slower, not faster.
    maxWorkers: 2,
    fileParallelism: true,
    // Slowest files first, from the committed durations when vitest has no cache (a clean clone).
    sequence: { sequencer: DurationSequencer },
  },
});
