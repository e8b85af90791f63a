import { describe, expect, it } from 'vitest';
import type { History, Measurement } from './figures';
import { historyJson, roll } from './store';

const measured = (measuredAt: string, value: number, commit = 'abc1234'): Measurement => ({
  measuredAt,
  commit,
  machine: '2 × AMD EPYC',
  figures: { 'backup ÷ floor': { value, unit: 'ratio' } },
});
const empty: History = { sections: {} };

describe('roll', () => {
  it('makes a first run the latest, with no previous', () => {
    const h = roll(empty, 'scale quick', measured('2026-11-28T10:00:00.000Z', 3.16));
    expect(h.sections['scale quick']).toEqual({ latest: measured('2026-11-28T10:00:00.000Z', 3.16) });
  });

  it('makes the run a new one replaces the previous, and drops the one before', () => {
    let h = roll(empty, 'scale quick', measured('2026-11-27T10:00:00.000Z', 3.3));
    h = roll(h, 'scale quick', measured('2026-11-28T10:00:00.000Z', 3.16));
    h = roll(h, 'scale quick', measured('2026-11-29T10:00:00.000Z', 3.0));
    expect(h.sections['scale quick']!.previous!.figures['backup ÷ floor']!.value).toBe(3.16);
    expect(h.sections['scale quick']!.latest.figures['backup ÷ floor']!.value).toBe(3);
  });

  it('replaces nothing when the same run is rendered again (a run publishes after every step; --render), even with more figures', () => {
    let h = roll(empty, 'scale quick', measured('2026-11-28T10:00:00.000Z', 3.16));
    h = roll(h, 'scale quick', measured('2026-11-29T10:00:00.000Z', 3.0));
    const rendered = measured('2026-11-29T10:00:00.000Z', 3.0, 'def5678');
    const again = roll(h, 'scale quick', { ...rendered, figures: { ...rendered.figures, 'restore ÷ pg_restore': { value: 1.5, unit: 'ratio' } } });
    expect(again.sections['scale quick']!.previous!.measuredAt).toBe('2026-11-28T10:00:00.000Z');
    expect(again.sections['scale quick']!.latest.figures['restore ÷ pg_restore']?.value).toBe(1.5);
    // The commit measured stays the run's own, not the one checked out when rendering again.
    expect(again.sections['scale quick']!.latest.commit).toBe('abc1234');
  });

  it('replaces nothing for the very same figures under another time (figures merged from an earlier run)', () => {
    let h = roll(empty, 'audit queries', measured('2026-11-28T10:00:00.000Z', 0.8));
    h = roll(h, 'audit queries', measured('2026-11-29T10:00:00.000Z', 0.8));
    expect(h.sections['audit queries']).toEqual({ latest: measured('2026-11-28T10:00:00.000Z', 0.8) });
  });

  it('leaves the other sections alone', () => {
    const h = roll(roll(empty, 'scale 300MB', measured('2026-11-28T10:00:00.000Z', 3.15)), 'scale quick', measured('2026-11-29T10:00:00.000Z', 3.0));
    expect(Object.keys(h.sections)).toEqual(['scale 300MB', 'scale quick']);
    expect(h.sections['scale 300MB']!.previous).toBeUndefined();
  });

  it('keeps values unrounded, so that the previous figure prints as the table printed it', () => {
    // 15.25 × 1.1 prints 16.78; rounded to 16.775 first, it would print 16.77.
    const h = roll(empty, 'scale quick', measured('2026-11-28T10:00:00.000Z', 15.25 * 1.1));
    expect(h.sections['scale quick']!.latest.figures['backup ÷ floor']!.value.toFixed(2)).toBe('16.78');
  });
});

describe('historyJson', () => {
  it('puts each figure on one line and reads back the same', () => {
    const h = roll(empty, 'scale quick', measured('2026-11-28T10:00:00.000Z', 3.16));
    const json = historyJson(h);
    expect(json).toContain('"backup ÷ floor": { "value": 3.16, "unit": "ratio" }');
    expect(JSON.parse(json)).toEqual(h);
  });
});
