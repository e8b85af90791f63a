import { describe, expect, it } from 'vitest';
import { planPrune, type PrunePlanInputs } from './plan-prune';

const k = (c: string) => c.repeat(64);
const id = (c: string) => c.repeat(32);
const HOUR = 3_600_000;
const now = new Date('2026-11-29T12:00:00Z');
const policy = { last: 1, hourly: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0 };

function inputs(over: Partial<PrunePlanInputs> = {}): PrunePlanInputs {
  return {
    backups: [
      { backupId: id('a'), manifestKey: k('a'), createdAt: new Date('2026-11-27T00:00:00Z'), objects: [k('a'), k('1'), k('2')] },
      { backupId: id('b'), manifestKey: k('b'), createdAt: new Date('2026-11-28T00:00:00Z'), objects: [k('b'), k('2'), k('3')] },
    ],
    policy,
    timeZone: 'UTC',
    latestBackupId: id('b'),
    stored: [k('a'), k('1'), k('2'), k('b'), k('3'), k('f'), k('e')],
    alwaysKept: [k('f')],
    condemnedSince: new Map([[k('a'), new Date(now.getTime() - 25 * HOUR)], [k('1'), new Date(now.getTime() - HOUR)]]),
    now,
    graceMs: 24 * HOUR,
    ...over,
  };
}

describe('planPrune (a copy target\'s mark-and-sweep)', () => {
  it('deletes only unmarked objects first seen unmarked longer than the grace period ago', () => {
    const plan = planPrune(inputs());
    expect(plan.decisions.map((d) => [d.backupId, d.keep])).toEqual([[id('b'), true], [id('a'), false]]);
    expect(plan.deletable).toEqual([k('a')]);
    // k('1'): unmarked an hour ago; k('e'): never seen before (maybe a copy in flight).
    expect(plan.waiting).toEqual([k('1'), k('e')]);
  });

  it('never deletes what a kept backup shares, nor the pointer/index/sentinel', () => {
    const plan = planPrune(inputs({ condemnedSince: new Map([[k('2'), new Date(0)], [k('f'), new Date(0)], [k('3'), new Date(0)]]) }));
    expect(plan.deletable).toEqual([]);
  });

  it('deletes nothing when a kept backup\'s manifest is unreadable', () => {
    const backups = inputs().backups.map((b) => (b.backupId === id('b') ? { ...b, objects: undefined } : b));
    const plan = planPrune(inputs({ backups }));
    expect(plan).toMatchObject({ deletable: [], waiting: [], unreadable: [id('b')] });
  });

  // Mutation testing (MUTATION.md): `>=` made `>` at the grace boundary, and either sort() dropped, survived before these.
  it('an object unmarked exactly the grace period ago is deleted (the boundary belongs to the sweep)', () => {
    const plan = planPrune(inputs({ condemnedSince: new Map([[k('a'), new Date(now.getTime() - 24 * HOUR)]]) }));
    expect(plan.deletable).toEqual([k('a')]);
    const justInside = planPrune(inputs({ condemnedSince: new Map([[k('a'), new Date(now.getTime() - 24 * HOUR + 1)]]) }));
    expect(justInside.deletable).toEqual([]);
  });

  it('names what it deletes and what waits in key order, whatever the listing order', () => {
    const stored = [k('e'), k('3'), k('1'), k('d'), k('a'), k('c')];
    const old = new Date(0);
    const plan = planPrune(inputs({ stored, condemnedSince: new Map([[k('d'), old], [k('a'), old], [k('c'), old]]) }));
    expect(plan.deletable).toEqual([k('a'), k('c'), k('d')]);
    expect(plan.waiting).toEqual([k('1'), k('e')]);
  });
});
