/**
 * The committed history against the committed BENCHMARKS.md: the figures each section shows are
 * its latest run's, and figures seeded from an older BENCHMARKS.md are what that file printed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fmtFigure, type Figure, type History } from './figures';
import { parseBenchmarksMd } from './parse-benchmarks-md';
import { benchmarksMdAt } from './seed';
import { historyPath } from './store';

const MODES = ['full', 'quick', 'extras'] as const;
const history = (mode: (typeof MODES)[number]): History => JSON.parse(readFileSync(historyPath(mode), 'utf8')) as History;
const printed = (figures: Record<string, Figure>) => Object.fromEntries(Object.entries(figures).map(([k, f]) => [k, fmtFigure(f)]));

describe('bench/history and BENCHMARKS.md', () => {
  const shown = parseBenchmarksMd(readFileSync(join(import.meta.dirname, '..', '..', 'BENCHMARKS.md'), 'utf8'), 'HEAD');

  it.each(MODES)('%s: every section BENCHMARKS.md shows is its latest run in the history, figure for figure', (mode) => {
    expect(Object.keys(shown[mode]).length).toBeGreaterThan(0);
    for (const [section, measurement] of Object.entries(shown[mode])) {
      const kept = history(mode).sections[section];
      expect(kept, `${mode}: ${section}`).toBeDefined();
      expect(printed(kept!.latest.figures), `${mode}: ${section}`).toEqual(printed(measurement.figures));
    }
  });

  it.each(MODES)('%s: figures taken from an older BENCHMARKS.md are the ones it printed there', (mode) => {
    const seeded = Object.entries(history(mode).sections).flatMap(([section, s]) =>
      [s.latest, s.previous].flatMap((m) => {
        const commit = m?.source && /^taken from BENCHMARKS\.md at commit (\w+)/.exec(m.source)?.[1];
        return m && commit ? [{ section, m, commit }] : [];
      }),
    );
    for (const { section, m, commit } of seeded) {
      const then = parseBenchmarksMd(benchmarksMdAt(commit), commit, m.source)[mode][section];
      expect(m, `${mode}: ${section} from ${commit}`).toEqual(then);
    }
  });
});
