import { defineConfig } from 'vitest/config';

/**
 * The specs of one module under mutation (MUTATION_SPECS, comma-separated, set by
 * scripts/mutation/run-mutation.ts): a mutant is tested by the specs that own its module, not by
 * every spec that imports it transitively (vitest's related files are most of the suite).
 */
const specs = (process.env.MUTATION_SPECS ?? '').split(',').filter((s) => s !== '');
if (specs.length === 0) throw new Error('MUTATION_SPECS is empty: run mutation testing through `npm run mutate`');

export default defineConfig({
  test: {
    root: new URL('../../', import.meta.url).pathname,
    include: specs,
    setupFiles: ['reflect-metadata'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    maxWorkers: 1,
  },
});
