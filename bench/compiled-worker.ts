/**
 * The benchmark worker compiled like the product: dist/ brought up to date (bin/build.js), and
 * bench/worker.ts with the bench files it imports compiled beside it into dist/bench/, importing
 * the compiled modules. Measured operations then run in plain Node, as `cotton-backup` runs them:
 * under tsx, its loader thread and module cache added ~38 MiB of RSS to every figure and changed
 * the heap the collector works on.
 */
import { join } from 'node:path';
// @ts-expect-error bin/build.js is plain JavaScript without declarations
import { build, compileOptions, DIST, isStale, ROOT } from '../bin/build.js';

/** The worker and the bench files it imports (relative imports stay imports of compiled files). */
const WORKER_FILES = ['worker.ts', 'cotton-way.ts', 'rss.ts', 'proc-cpu.ts', 'sql.ts'];

let compiled: Promise<string> | undefined;

/** Path of the compiled worker (dist/bench/worker.js), built once per benchmark process. */
export function compiledWorker(): Promise<string> {
  compiled ??= compile();
  return compiled;
}

async function compile(): Promise<string> {
  if (isStale()) await build();
  const { build: esbuild } = await import('esbuild');
  await esbuild(compileOptions(WORKER_FILES.map((file) => join(ROOT, 'bench', file))));
  return join(DIST, 'bench', 'worker.js');
}
