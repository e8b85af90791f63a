import { describe, expect, it } from 'vitest';
import { renderExtras, withExtras } from './extras';
import { fmtFigure, type History } from './history/figures';
import { parseExtrasBlock } from './history/parse-benchmarks-md';
import { extrasFixture } from '../test/support/bench-results';

const empty: History = { sections: {} };
const machine = '2 × AMD EPYC, 23.54 GiB RAM, Node v24.21.0';
const before = extrasFixture('2026-11-28T10:00:00.000Z', 1);
const after = extrasFixture('2026-11-29T10:00:00.000Z', 1.1);
const twoRuns = withExtras(withExtras(empty, before, 'aaa1111', machine), after, 'bbb2222', machine);
const line = (text: string, start: string) => text.split('\n').find((l) => l.startsWith(start));

describe('BENCHMARKS.md extras with the previous run beside', () => {
  it('says "no earlier run" in every section without one', () => {
    const text = renderExtras(before, withExtras(empty, before, 'aaa1111', machine), machine);
    expect(text.match(/Previous: no earlier run\./g)).toHaveLength(3);
    expect(text).toContain('Previous (300MB): no earlier run.');
    expect(text).toContain('Previous (quick): no earlier run.');
    expect(line(text, '| ours, every thread')).toBe('| ours, every thread (real backup) | 15.25 | — |');
    expect(text).not.toContain('(previous ');
  });

  it("shows each headline figure's previous value and change", () => {
    const text = renderExtras(after, twoRuns, machine);
    expect(line(text, '| ours, every thread')).toBe('| ours, every thread (real backup) | 16.78 | 15.25 (+10.0 %) |');
    expect(line(text, '| stage (replayed alone): chunking')).toBe('| stage (replayed alone): chunking | 0.78 | 0.71 (+10.0 %) |');
    expect(text).toContain('**2.66× the floor** (previous 2.42×, +10.0 %)');
    expect(text).toContain('full garbage collections per backup: 48 (previous 44, +9.1 %)');
    expect(line(text, '| pin + release')).toContain('| 3.6 % | 3.3 % (+0.3 pt) |');
    expect(line(text, '| quick (64.7 MiB, 1 run, 2026-11-29 10:00 UTC) | backup |')).toBe(
      '| quick (64.7 MiB, 1 run, 2026-11-29 10:00 UTC) | backup | 1.35 s | 898 ms | 1.51× | 216.1 MiB | 180.0 MiB | 1.37× (+10.0 %); 216.1 MiB (±0 %) | ≤ 200 MB | NO |',
    );
    expect(line(text, '| quick (64.7 MiB, 1 run, 2026-11-29 10:00 UTC) | restore |')).toMatch(/\| 176\.4 MiB \| 170\.0 MiB \| .* \| ≤ 200 MB \| yes \|$/);
    expect(line(text, '| folder | first backup')).toMatch(/\| 0\.84 \| .* \| 0\.76 \(\+10\.5 %\) \|$/);
    expect(line(text, '| 300MB (')).toContain('| 1.07× (+10.0 %) |');
    expect(text.match(/^Previous: 2026-11-28 10:00 UTC, commit aaa1111\.$/gm)).toHaveLength(3);
    expect(text).toContain('Previous (quick): 2026-11-28 10:00 UTC, commit aaa1111.');
    expect(text).toContain('Previous (300MB): 2026-11-28 10:00 UTC, commit aaa1111.');
  });

  it('marks a stage the previous profile did not have as new, and leaves out a section not measured', () => {
    const older = { ...before, profile: { ...before.profile!, perMiB: { ...before.profile!.perMiB, stages: { 'zstd level 1': 2.4 } } }, copy: undefined };
    const text = renderExtras(after, withExtras(withExtras(empty, older, 'aaa1111', machine), after, 'bbb2222', machine), machine);
    expect(line(text, '| stage (replayed alone): chunking')).toBe('| stage (replayed alone): chunking | 0.78 | new |');
    expect(text.slice(text.indexOf('**Copy time'))).toMatch(/^\*\*Copy time[^\n]*\n\nPrevious: no earlier run\./);
    expect(renderExtras({ ...after, copy: undefined }, twoRuns, machine)).toContain('**Copy time to a copy target:** not measured');
  });

  it('prints what the history keeps: the parser of BENCHMARKS.md reads back every figure as printed', () => {
    const parsed = parseExtrasBlock(renderExtras(after, twoRuns, machine), 'bbb2222', undefined, machine).sections;
    const printed = (figures: Record<string, { value: number; unit: never }>) => Object.fromEntries(Object.entries(figures).map(([k, f]) => [k, fmtFigure(f)]));
    expect(Object.keys(parsed).sort()).toEqual(Object.keys(twoRuns.sections).sort());
    for (const [section, { latest }] of Object.entries(twoRuns.sections)) {
      expect(printed(parsed[section]!.figures as never), section).toEqual(printed(latest.figures as never));
    }
  });
});
