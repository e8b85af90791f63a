import { describe, expect, it } from 'vitest';
import { measurements, renderMarkdown, renderText, withRun } from './report';
import { fmtFigure, type History } from './history/figures';
import { parseRunBlock } from './history/parse-benchmarks-md';
import { runFixture } from '../test/support/bench-results';
import { summarize, type Summary } from './stats';
import type { BenchResults } from './results';
import type { ResticResult } from './restic';

const empty: History = { sections: {} };
const before = runFixture('2026-11-28T10:00:00.000Z', 1);
const after = runFixture('2026-11-29T10:00:00.000Z', 0.95);
const row = (markdown: string, metric: string) => markdown.split('\n').find((l) => l.startsWith(`| ${metric}`));
/** The cell of the "previous (change)" column (the fifth). */
const previousOf = (markdown: string, metric: string) => row(markdown, metric)?.split(' | ')[4];

describe('BENCHMARKS.md run sections with the previous run beside', () => {
  it('says "no earlier run" when the history has none, and leaves the column at "—"', () => {
    const md = renderMarkdown(before, withRun(empty, before));
    expect(md).toContain('Previous: no earlier run.');
    expect(previousOf(md, 'backup wall time')).toBe('—');
    expect(previousOf(md, 'backupAudit')).toBe('—');
  });

  it("shows the previous run's figure the target judges and the change, naming that run once per section", () => {
    const md = renderMarkdown(after, withRun(withRun(empty, before), after));
    expect(row(md, 'backup wall time')).toBe(
      '| backup wall time (to pointer) vs pg_dump -Fc -Z0 > /dev/null | 713 ms (698 ms–734 ms) | 237 ms (232 ms–244 ms) | 3.00× (2.94×–3.09×) | 3.16× (−5.0 %) | ≤ 1.25× | NO |',
    );
    expect(previousOf(md, 'day of changes (clustered): new plaintext')).toBe('22.7 % (−1.1 pt)');
    // Peak RSS: the target judges the largest run, so that is the figure compared.
    expect(previousOf(md, 'peak RSS of our process, restore')).toBe('164.8 MiB (−5.0 %)');
    expect(previousOf(md, '`cotton-backup --help`')).toBe('167 ms (−5.0 %)');
    expect(previousOf(md, 'request → BackupStarted, NOTIFY, p99')).toBe('14 ms (−5.0 %)');
    expect(md).toContain('verification pass 207 ms (203 ms–213 ms) (previous 218 ms, −5.0 %)');
    expect(md.match(/^Previous: 2026-11-28 10:00 UTC, commit abc1234\.$/gm)).toHaveLength(4);
    expect(renderText(after, withRun(withRun(empty, before), after))).toContain('3.16× (−5.0 %)');
  });

  it('marks rows and sections the previous run did not have', () => {
    const noDays = { ...before, scales: [{ ...before.scales[0]!, days: before.scales[0]!.days.slice(0, 1) }], cliStart: undefined };
    const md = renderMarkdown(after, withRun(withRun(empty, noDays), after));
    expect(previousOf(md, 'day of changes (clustered): new plaintext')).toBe('22.7 % (−1.1 pt)');
    expect(previousOf(md, 'day of changes (scattered): new plaintext')).toBe('new');
    const cli = md.slice(md.indexOf('**CLI start**'));
    expect(cli).toContain('Previous: no earlier run.');
    expect(previousOf(cli, '`cotton-backup list`')).toBe('—');
  });

  it('compares a scale only with the same scale', () => {
    const md = renderMarkdown(runFixture('2026-11-29T10:00:00.000Z', 0.95, ['tiny']), withRun(withRun(empty, before), runFixture('2026-11-29T10:00:00.000Z', 0.95, ['tiny'])));
    const tiny = md.slice(md.indexOf('**tiny:'), md.indexOf('**Audit'));
    expect(tiny).toContain('Previous: no earlier run.');
  });

  it('shows a previous figure of another unit without a change', () => {
    const history = withRun(withRun(empty, before), after);
    const section = history.sections['scale quick']!;
    const changed: History = { sections: { ...history.sections, 'scale quick': { ...section, previous: { ...section.previous!, figures: { ...section.previous!.figures, 'backup ÷ floor': { value: 900, unit: 'ms' } } } } } };
    expect(previousOf(renderMarkdown(after, changed), 'backup wall time')).toBe('900 ms (other unit)');
  });

  it('prints what the history keeps: the parser of BENCHMARKS.md reads back every figure as printed', () => {
    const md = renderMarkdown(after, withRun(withRun(empty, before), after));
    const parsed = parseRunBlock(md, 'abc1234', undefined).sections;
    const kept = measurements(after);
    expect(Object.keys(parsed).sort()).toEqual(kept.map((k) => k.section).sort());
    for (const { section, measurement } of kept) {
      const printed = (figures: typeof measurement.figures) => Object.fromEntries(Object.entries(figures).map(([k, f]) => [k, fmtFigure(f)]));
      expect(printed(parsed[section]!.figures), section).toEqual(printed(measurement.figures));
    }
  });
});

describe('restic beside ours, with issue 22\'s goals', () => {
  const at = (median: number): Summary => summarize([median * 0.98, median, median * 1.03]);
  // Ours (the fixture): backup 750 ms, stored 15.6 MiB, restore 884 ms, floor ratio 3.16×, restore ÷ pg_restore 1.63×.
  const restic: ResticResult = {
    available: true,
    version: 'restic 0.14.0 compiled with go1.19.8 on linux/amd64',
    jobs: 2,
    backupMs: at(1000),
    backupCpuMs: at(1700),
    storedBytes: at(14 * 1024 * 1024),
    restoreMs: at(1200),
    restoreCpuMs: at(900),
    ratio: { backup: at(0.75), backupCpu: at(0.6), stored: at(1.11), restore: at(0.74), restoreCpu: at(1.2) },
    resticVsFloor: at(4.2),
  };
  const withRestic = (result: ResticResult | undefined): BenchResults => {
    const run = runFixture('2026-11-29T10:00:00.000Z', 0.95);
    const [scale] = run.scales;
    return { ...run, scales: [{ ...scale!, restic: result, cpuMs: { backup: at(1020), restore: at(1080) } }] };
  };

  it('sets ours beside restic, marks each goal met or not, and gives the CPU per MiB of both pipelines', () => {
    const run = withRestic(restic);
    const md = renderMarkdown(run, withRun(empty, run));
    // Ours (the fixture at 0.95): backup 713 ms, floor 237 ms, stored 15.6 MiB, restore 840 ms, pg_restore 541 ms;
    // CPU per MiB over the fixture's 42.2 MiB dump (1020 ms → 24.17 ms/MiB), which has no goal of its own.
    const expected = [
      '| backup vs restic: wall time (restic in baseline) | 713 ms (698 ms–734 ms) | 1.00 s (980 ms–1.03 s) | 0.75× (0.73×–0.77×) | — | ≤ 0.80× | yes |',
      "| backup vs pg_dump -Fc -Z0 > /dev/null, issue 22's goal | 713 ms (698 ms–734 ms) | 237 ms (232 ms–244 ms) | 3.00× (2.94×–3.09×) |  | ≤ 1.60× | NO |",
      '| backup vs restic: CPU per MiB of dump (process tree) | 24.17 ms/MiB (1.02 s) | 40.28 ms/MiB (1.70 s) | 0.60× (0.59×–0.62×) | — |  |  |',
      '| stored bytes vs restic (repository folder) | 15.6 MiB (15.3 MiB–16.1 MiB) | 14.0 MiB (13.7 MiB–14.4 MiB) | 1.11× (1.09×–1.14×) | — | ≤ 1.00× | NO |',
      '| restore vs restic: wall time (restic in baseline) | 840 ms (823 ms–865 ms) | 1.20 s (1.18 s–1.24 s) | 0.74× (0.73×–0.76×) | — | ≤ 0.80× | yes |',
      "| restore vs pg_restore -j 2, issue 22's goal | 840 ms (823 ms–865 ms) | 541 ms (530 ms–557 ms) | 1.55× (1.52×–1.59×) |  | ≤ 1.15× | NO |",
      '| restore vs restic: CPU per MiB of dump (process tree) | 25.59 ms/MiB (1.08 s) | 21.33 ms/MiB (900 ms) | 1.20× (1.18×–1.24×) | — |  |  |',
    ];
    expect(expected.map((line) => row(md, line.split(' | ')[0]!.slice(2)))).toEqual(expected);
    expect(md).toContain("quick vs restic 0.14.0: backup = `pg_dump -Fc -Z0 | restic backup --stdin");
    expect(renderText(run, withRun(empty, run))).toMatch(/backup vs restic: wall time \(restic in baseline\) +713 ms/);
  });

  it('keeps the restic ratios in the history, and reads them back from the markdown as printed', () => {
    const run = withRestic(restic);
    const figures = measurements(run).find((m) => m.section === 'scale quick')!.measurement.figures;
    expect(Object.fromEntries(Object.entries(figures).filter(([k]) => k.includes('restic')).map(([k, f]) => [k, fmtFigure(f)]))).toEqual({
      'backup ÷ restic': '0.75×',
      'backup CPU ÷ restic': '0.60×',
      'stored ÷ restic': '1.11×',
      'restore ÷ restic': '0.74×',
      'restore CPU ÷ restic': '1.20×',
    });
    const parsed = parseRunBlock(renderMarkdown(run, withRun(empty, run)), 'abc1234', undefined).sections['scale quick']!.figures;
    expect(Object.fromEntries(Object.entries(parsed).map(([k, f]) => [k, fmtFigure(f)]))).toEqual(Object.fromEntries(Object.entries(figures).map(([k, f]) => [k, fmtFigure(f)])));
  });

  it('says plainly when restic is not on the PATH, and renders no restic rows', () => {
    const run = withRestic({ available: false, reason: 'restic not on PATH: apt-get install restic' });
    const md = renderMarkdown(run, withRun(empty, run));
    expect(md).toContain('quick vs restic: restic not on PATH: apt-get install restic');
    expect(md).not.toContain('| backup vs restic');
    expect(renderText(run)).toContain('quick vs restic: restic not on PATH: apt-get install restic');
  });

  it('renders results saved before restic was in the suite', () => {
    const md = renderMarkdown(before, withRun(empty, before));
    expect(md).toContain('quick vs restic: not measured (results saved before restic was in the suite)');
    expect(md).not.toContain('| backup vs restic');
  });
});
