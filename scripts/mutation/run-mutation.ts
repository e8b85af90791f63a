/**
 * `npm run mutate [-- --only <module name part>]`: Stryker over each module of
 * test/mutation/modules.ts with that module's specs only, incremental (a rerun tests only the
 * mutants whose code or specs changed), one JSON report per module in reports/mutation/; then
 * MUTATION.md from them (render-mutation.ts). Not part of .ci/run: a full run takes long.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MUTATION_MODULES } from '../../test/mutation/modules';
import { moduleSlug, REPORTS } from './paths';

const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const base = {
  $schema: '../../node_modules/@stryker-mutator/core/schema/stryker-schema.json',
  testRunner: 'vitest',
  vitest: { configFile: 'test/mutation/vitest.mutation.config.ts', related: false },
  coverageAnalysis: 'perTest',
  incremental: true,
  reporters: ['clear-text', 'progress', 'json'],
  concurrency: 2,
  timeoutMS: 30_000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  ignorePatterns: ['dist', 'data', 'bench/results', '.ci', 'reports', 'coverage'],
};

mkdirSync(REPORTS, { recursive: true });
let failed = false;
for (const m of MUTATION_MODULES.filter((x) => !only || x.name.includes(only))) {
  const slug = moduleSlug(m.name);
  const config = join(REPORTS, `${slug}.stryker.json`);
  writeFileSync(config, JSON.stringify({
    ...base,
    mutate: m.mutate,
    incrementalFile: join(REPORTS, `${slug}.incremental.json`),
    jsonReporter: { fileName: join(REPORTS, `${slug}.json`) },
  }, null, 2));
  console.log(`\n== ${m.name}: ${m.mutate.join(', ')} against ${m.specs.length} spec file(s)`);
  const run = spawnSync('npx', ['stryker', 'run', config], { stdio: 'inherit', env: { ...process.env, MUTATION_SPECS: m.specs.join(',') } });
  if (run.status !== 0) failed = true;
}
// MUTATION.md from the reports, old and new. Imported rather than chained in package.json, where
// `npm run mutate -- --only x` handed the flag to the last command, and every module ran.
await import('./render-mutation');
if (failed) process.exitCode = 1;
