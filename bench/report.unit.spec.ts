import { describe, expect, it } from 'vitest';
import { measurements, renderMarkdown, renderText, withRun } from './report';
import { fmtFigure, type History } from './history/figures';
import { parseRunBlock } from './history/parse-benchmarks-md';
import { runFixture } from '../test/support/bench-results';

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
