import { describe, expect, it } from 'vitest';
import { change, previousCell, previousInline, previousNote } from './compare';
import type { Measurement } from './figures';

const MiB = 1024 * 1024;
const run = (figures: Measurement['figures'], extra: Partial<Measurement> = {}): Measurement => ({
  measuredAt: '2026-11-28T10:00:00.000Z',
  commit: 'abc1234',
  machine: '2 × AMD EPYC',
  figures,
  ...extra,
});

describe('change', () => {
  it('is relative for ratios, times and sizes, with a real minus sign', () => {
    expect(change({ value: 1.55, unit: 'ratio' }, { value: 1.63, unit: 'ratio' })).toBe('−4.9 %');
    expect(change({ value: 1100, unit: 'ms' }, { value: 1000, unit: 'ms' })).toBe('+10.0 %');
    expect(change({ value: 160 * MiB, unit: 'bytes' }, { value: 160 * MiB, unit: 'bytes' })).toBe('±0 %');
  });

  it('is ±0 between figures that print the same (a previous figure read back from BENCHMARKS.md is rounded)', () => {
    expect(change({ value: 0.8733, unit: 'ratio' }, { value: 0.87, unit: 'ratio' })).toBe('±0 %');
    expect(change({ value: 0.8763, unit: 'ratio' }, { value: 0.87, unit: 'ratio' })).toBe('+0.7 %');
  });

  it('is in points for percentages (already relative)', () => {
    expect(change({ value: 12.1, unit: 'percent' }, { value: 12.6, unit: 'percent' })).toBe('−0.5 pt');
  });

  it('is undefined between different units, and from zero', () => {
    expect(change({ value: 3.1, unit: 'ratio' }, { value: 900, unit: 'ms' })).toBeUndefined();
    expect(change({ value: 3, unit: 'count' }, { value: 0, unit: 'count' })).toBeUndefined();
  });
});

describe('previousCell', () => {
  const previous = run({ 'backup ÷ floor': { value: 1.63, unit: 'ratio' }, 'backup peak RSS (max)': { value: 900, unit: 'ms' } });

  it('gives the previous figure in its own format and the change', () => {
    expect(previousCell({ value: 1.55, unit: 'ratio' }, previous, 'backup ÷ floor')).toBe('1.63× (−4.9 %)');
  });

  it('says "—" without an earlier run, "new" for a figure the previous run did not have', () => {
    expect(previousCell({ value: 1.55, unit: 'ratio' }, undefined, 'backup ÷ floor')).toBe('—');
    expect(previousCell({ value: 1.55, unit: 'ratio' }, previous, 'restore ÷ pg_restore')).toBe('new');
  });

  it('prints a previous figure of another unit as it was, without a change', () => {
    expect(previousCell({ value: 181 * MiB, unit: 'bytes' }, previous, 'backup peak RSS (max)')).toBe('900 ms (other unit)');
  });

  it('is empty for a row without a figure', () => {
    expect(previousCell(undefined, previous, undefined)).toBe('');
  });
});

describe('previousInline', () => {
  it('is nothing without a previous figure', () => {
    expect(previousInline({ value: 961, unit: 'ms' }, undefined, 'restore: verification pass')).toBe('');
    expect(previousInline({ value: 961, unit: 'ms' }, run({}), 'restore: verification pass')).toBe('');
  });

  it('gives the previous figure and the change', () => {
    expect(previousInline({ value: 961, unit: 'ms' }, run({ 'restore: verification pass': { value: 1020, unit: 'ms' } }), 'restore: verification pass')).toBe(
      ' (previous 1.02 s, −5.8 %)',
    );
  });
});

describe('previousNote', () => {
  const latest = run({}, { measuredAt: '2026-11-29T10:00:00.000Z' });

  it('says there is no earlier run', () => {
    expect(previousNote(undefined)).toBe('Previous: no earlier run.');
    expect(previousNote({ latest })).toBe('Previous: no earlier run.');
  });

  it("names the previous run's time and commit, and its machine only when it differs", () => {
    expect(previousNote({ latest, previous: run({}) }, '2 × AMD EPYC')).toBe('Previous: 2026-11-28 10:00 UTC, commit abc1234.');
    expect(previousNote({ latest, previous: run({}) }, '4 × Intel', '300MB')).toBe('Previous (300MB): 2026-11-28 10:00 UTC, commit abc1234, on another machine (2 × AMD EPYC).');
  });

  it('says where figures read back from BENCHMARKS.md came from instead of a commit measured', () => {
    const seeded = run({}, { source: 'taken from BENCHMARKS.md at commit 1600cc3, as printed there' });
    expect(previousNote({ latest, previous: seeded })).toBe('Previous: 2026-11-28 10:00 UTC, taken from BENCHMARKS.md at commit 1600cc3, as printed there.');
  });
});
