/**
 * Seeds bench/history/<mode>.json from the figures a committed BENCHMARKS.md shows, for runs made
 * before the history existed (their results are in the git-ignored bench/results of another
 * machine). Each section gets them as its latest run, labelled with where they were read; the
 * next run of the mode makes them its "previous".
 *
 *   node --import tsx bench/history/seed.ts <commit>
 */
import { execFileSync } from 'node:child_process';
import type { History } from './figures';
import { parseBenchmarksMd } from './parse-benchmarks-md';
import { HISTORY_DIR, historyPath, writeHistory } from './store';

export const seedSource = (commit: string) => `taken from BENCHMARKS.md at commit ${commit}, as printed there`;

export function benchmarksMdAt(commit: string): string {
  return execFileSync('git', ['show', `${commit}:BENCHMARKS.md`], { cwd: HISTORY_DIR, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function main(): Promise<void> {
  const commit = process.argv[2];
  if (!commit) throw new Error('usage: seed.ts <commit>');
  const parsed = parseBenchmarksMd(benchmarksMdAt(commit), commit, seedSource(commit));
  for (const mode of ['full', 'quick', 'extras'] as const) {
    const history: History = { sections: Object.fromEntries(Object.entries(parsed[mode]).map(([section, latest]) => [section, { latest }])) };
    await writeHistory(historyPath(mode), history);
    console.log(`${historyPath(mode)}: ${Object.keys(history.sections).join(', ')}`);
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) await main();
