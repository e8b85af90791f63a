import { describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../../../src/config/config';
import { planRetention, type RetentionCandidate } from './plan-retention';
import { describePolicy, type RetentionPolicy } from '../settings/retention';
import { backupSettingsOf, backupSettingsOwner } from '../settings/backup-settings';

const OFF: RetentionPolicy = { last: 0, hourly: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0 };

function backups(...isoTimes: string[]): RetentionCandidate[] {
  return isoTimes.map((t, i) => ({ backupId: i.toString(16).padStart(32, '0'), createdAt: new Date(t) }));
}

function kept(policy: Partial<RetentionPolicy>, list: RetentionCandidate[], extra: { timeZone?: string; latestBackupId?: string; inUse?: Set<string> } = {}) {
  const plan = planRetention({ backups: list, policy: { ...OFF, ...policy }, timeZone: extra.timeZone ?? 'UTC', ...extra });
  return Object.fromEntries(plan.filter((d) => d.keep).map((d) => [d.backup.createdAt.toISOString().slice(0, 16), d.rules.join('+')]));
}

describe('planRetention (restic forget --keep-* semantics)', () => {
  it('keep-last keeps the N newest, whatever their order in the input', () => {
    const list = backups('2026-01-03T00:00Z', '2026-01-01T00:00Z', '2026-01-04T00:00Z', '2026-01-02T00:00Z');
    expect(Object.keys(kept({ last: 2 }, list))).toEqual(['2026-01-04T00:00', '2026-01-03T00:00']);
  });

  it('keep-daily keeps the newest of each of the N newest days', () => {
    const list = backups('2026-01-05T20:00Z', '2026-01-05T08:00Z', '2026-01-04T20:00Z', '2026-01-04T08:00Z', '2026-01-03T20:00Z', '2026-01-02T20:00Z');
    expect(kept({ daily: 3 }, list)).toEqual({ '2026-01-05T20:00': 'daily', '2026-01-04T20:00': 'daily', '2026-01-03T20:00': 'daily' });
  });

  it('keeps the oldest backup while a rule still has count left (restic ≥ 0.14)', () => {
    const list = backups('2026-01-02T20:00Z', '2026-01-02T08:00Z', '2026-01-01T20:00Z', '2026-01-01T08:00Z');
    expect(kept({ daily: 5 }, list)).toEqual({ '2026-01-02T20:00': 'daily', '2026-01-01T20:00': 'daily', '2026-01-01T08:00': 'daily' });
  });

  it('cuts days in the server time zone, not in UTC', () => {
    // 23:30 and 00:30 UTC are two UTC days but one Berlin day (00:30 and 01:30 CET).
    const list = backups('2026-01-02T00:30Z', '2026-01-01T23:30Z', '2026-01-01T12:00Z');
    expect(Object.keys(kept({ daily: 2 }, list, { timeZone: 'UTC' }))).toEqual(['2026-01-02T00:30', '2026-01-01T23:30']);
    expect(Object.keys(kept({ daily: 2 }, list, { timeZone: 'Europe/Berlin' }))).toEqual(['2026-01-02T00:30', '2026-01-01T12:00']);
  });

  it('keep-weekly uses ISO weeks: Monday starts a week, and 1 January 2027 is in week 53 of 2026', () => {
    const list = backups('2027-01-04T10:00Z', '2027-01-03T10:00Z', '2027-01-01T10:00Z', '2026-12-31T10:00Z', '2026-12-27T10:00Z');
    expect(Object.keys(kept({ weekly: 3 }, list))).toEqual(['2027-01-04T10:00', '2027-01-03T10:00', '2026-12-27T10:00']);
  });

  it('keep-hourly, keep-monthly and keep-yearly bucket by hour, month and year', () => {
    const list = backups('2026-03-01T10:50Z', '2026-03-01T10:10Z', '2026-03-01T09:00Z', '2026-02-10T00:00Z', '2026-01-10T00:00Z', '2025-06-01T00:00Z');
    expect(Object.keys(kept({ hourly: 2 }, list))).toEqual(['2026-03-01T10:50', '2026-03-01T09:00']);
    expect(Object.keys(kept({ monthly: 2 }, list))).toEqual(['2026-03-01T10:50', '2026-02-10T00:00']);
    expect(Object.keys(kept({ yearly: 5 }, list))).toEqual(['2026-03-01T10:50', '2025-06-01T00:00']);
  });

  it('-1 keeps every bucket; rules add up and name every reason', () => {
    const list = backups('2026-03-02T00:00Z', '2026-03-01T00:00Z', '2026-02-01T00:00Z');
    expect(kept({ last: 1, daily: -1, monthly: 1 }, list)).toEqual({
      '2026-03-02T00:00': 'last+daily+monthly',
      '2026-03-01T00:00': 'daily',
      '2026-02-01T00:00': 'daily',
    });
  });

  it('keep-within counts back from the newest backup, not from now', () => {
    const list = backups('2020-01-10T12:00Z', '2020-01-08T12:00Z', '2020-01-07T11:00Z', '2020-01-01T00:00Z');
    expect(Object.keys(kept({ within: { years: 0, months: 0, days: 3, hours: 0 } }, list))).toEqual(['2020-01-10T12:00', '2020-01-08T12:00']);
    expect(Object.keys(kept({ within: { years: 0, months: 0, days: 3, hours: 2 } }, list))).toEqual(['2020-01-10T12:00', '2020-01-08T12:00', '2020-01-07T11:00']);
  });

  it('forgets a named backup whatever rule would keep it, and the others are counted as if it were not there', () => {
    const list = backups('2026-01-03T00:00Z', '2026-01-02T00:00Z', '2026-01-01T00:00Z');
    const plan = planRetention({ backups: list, policy: { ...OFF, last: 2 }, timeZone: 'UTC', forget: new Set([list[0]!.backupId]) });
    expect(plan.map((d) => [d.keep, d.rules])).toEqual([[false, []], [true, ['last']], [true, ['last']]]);
    // latest and in-use still keep it: the caller is told, and refuses.
    const latest = planRetention({ backups: list, policy: OFF, timeZone: 'UTC', latestBackupId: list[0]!.backupId, forget: new Set([list[0]!.backupId]) });
    expect(latest[0]).toMatchObject({ keep: true, rules: ['latest'] });
    expect(latest.slice(1).map((d) => d.rules)).toEqual([['no-policy'], ['no-policy']]);
  });

  it('measures `within` and finds the oldest from the backups it counts, not from a forgotten one', () => {
    // Mutation testing: with the forgotten backup counted, `within` ran from it and kept nothing.
    const list = backups('2026-01-10T00:00Z', '2026-01-05T00:00Z', '2026-01-04T00:00Z', '2026-01-01T00:00Z');
    const within = planRetention({ backups: list, policy: { ...OFF, within: { years: 0, months: 0, days: 2, hours: 0 } }, timeZone: 'UTC', forget: new Set([list[0]!.backupId]) });
    expect(within.map((d) => d.rules)).toEqual([[], ['within'], ['within'], []]);
    // The oldest counted backup is kept while a rule has count left, though a forgotten one came first.
    const days = backups('2026-01-02T20:00Z', '2026-01-01T20:00Z', '2026-01-01T08:00Z');
    const daily = planRetention({ backups: days, policy: { ...OFF, daily: 5 }, timeZone: 'UTC', forget: new Set([days[0]!.backupId]) });
    expect(daily.map((d) => d.rules)).toEqual([[], ['daily'], ['daily']]);
  });

  it('always keeps the backup the pointer names and backups being read, whatever the policy', () => {
    const list = backups('2026-01-03T00:00Z', '2026-01-02T00:00Z', '2026-01-01T00:00Z');
    const plan = planRetention({ backups: list, policy: { ...OFF, last: 1 }, timeZone: 'UTC', latestBackupId: list[1]!.backupId, inUse: new Set([list[2]!.backupId]) });
    expect(plan.map((d) => d.rules)).toEqual([['last'], ['latest'], ['in-use']]);
    expect(plan.every((d) => d.keep)).toBe(true);
  });

  it('a policy without any rule keeps everything, as restic does', () => {
    const plan = planRetention({ backups: backups('2026-01-02T00:00Z', '2026-01-01T00:00Z'), policy: OFF, timeZone: 'UTC' });
    expect(plan.map((d) => [d.keep, d.rules])).toEqual([[true, ['no-policy']], [true, ['no-policy']]]);
  });

  it('expires what no rule keeps, with no rules named', () => {
    const plan = planRetention({ backups: backups('2026-01-02T00:00Z', '2026-01-01T00:00Z'), policy: { ...OFF, last: 1 }, timeZone: 'UTC' });
    expect(plan[1]).toMatchObject({ keep: false, rules: [] });
  });
});

// Mutation testing (MUTATION.md) found these decisions unchecked: buckets that merge two days,
// months or hours of different years (or centuries), rule names, ties, and keep-within's edges.
describe('planRetention: buckets never merge two different hours, days, weeks, months or years', () => {
  // Adjacent pairs each bucket formula must tell apart: a formula that is not one-to-one over real
  // dates makes some such pair share a bucket, and the older of the two expires.
  const apart = {
    hourly: [['2026-02-05T00:00Z', '2026-01-05T01:00Z'], ['2026-02-05T09:00Z', '2026-01-05T10:00Z'], ['2126-01-01T00:00Z', '2026-02-01T00:00Z']],
    daily: [['2027-01-01T00:00Z', '2026-01-02T00:00Z'], ['2027-03-01T00:00Z', '2026-03-02T00:00Z'], ['2126-01-01T00:00Z', '2026-02-01T00:00Z']],
    weekly: [['2126-01-08T00:00Z', '2026-01-15T00:00Z']],
    monthly: [['2126-01-01T00:00Z', '2026-02-01T00:00Z']],
    yearly: [['2027-06-01T00:00Z', '2026-06-01T00:00Z']],
  } as const;
  for (const [rule, pairs] of Object.entries(apart)) {
    it.each(pairs.map(([newer, older]) => ({ newer, older })))(`keep-${rule} keeps both of $newer and $older`, ({ newer, older }) => {
      // The oldest backup is kept whatever the buckets say: a third, older one makes the pair count.
      const list = backups(newer, older, '2000-01-01T00:00Z');
      expect(kept({ [rule]: 3 }, list)).toEqual({ [newer.slice(0, 16)]: rule, [older.slice(0, 16)]: rule, '2000-01-01T00:00': rule });
    });
  }

  it('keep-yearly counts years: three years, three backups kept', () => {
    const list = backups('2026-06-01T00:00Z', '2026-01-01T00:00Z', '2025-06-01T00:00Z', '2025-01-01T00:00Z', '2024-06-01T00:00Z');
    expect(kept({ yearly: 3 }, list)).toEqual({ '2026-06-01T00:00': 'yearly', '2025-06-01T00:00': 'yearly', '2024-06-01T00:00': 'yearly' });
  });

  it('names each bucket rule that keeps a backup', () => {
    const list = backups('2026-03-01T10:00Z', '2026-02-01T10:00Z');
    expect(kept({ hourly: 1, weekly: 1, yearly: 1 }, list)['2026-03-01T10:00']).toBe('hourly+weekly+yearly');
  });

  it('two backups taken in the same millisecond: the larger id counts as the newer, whatever the input order', () => {
    const same = '2026-01-01T00:00:00.000Z';
    const a = { backupId: '1'.repeat(32), createdAt: new Date(same) };
    const b = { backupId: '2'.repeat(32), createdAt: new Date(same) };
    for (const list of [[a, b], [b, a]]) {
      const plan = planRetention({ backups: list, policy: { ...OFF, last: 1 }, timeZone: 'UTC' });
      expect(plan.map((d) => [d.backup.backupId, d.rules])).toEqual([[b.backupId, ['last']], [a.backupId, []]]);
    }
  });

  it('no backups, no decisions', () => {
    expect(planRetention({ backups: [], policy: { ...OFF, last: 1, within: { years: 0, months: 0, days: 1, hours: 0 } }, timeZone: 'UTC' })).toEqual([]);
  });
});

describe('planRetention: keep-within', () => {
  const within = (w: Partial<{ years: number; months: number; days: number; hours: number }>) => ({ within: { years: 0, months: 0, days: 0, hours: 0, ...w } });

  it('keeps what is newer than the newest minus the duration, not what is exactly that old, and names the rule', () => {
    const list = backups('2026-01-10T00:00Z', '2026-01-09T00:00Z', '2026-01-08T23:59Z', '2000-01-01T00:00Z');
    expect(kept({ last: 0, ...within({ days: 1 }) }, list)).toEqual({ '2026-01-10T00:00': 'within' });
    expect(kept({ ...within({ days: 1, hours: 1 }) }, list)).toEqual({ '2026-01-10T00:00': 'within', '2026-01-09T00:00': 'within', '2026-01-08T23:59': 'within' });
  });

  it('counts back hours, months and years by the calendar', () => {
    const list = backups('2026-03-31T12:00Z', '2026-03-31T10:30Z', '2026-03-02T12:00Z', '2025-04-01T12:00Z', '2025-03-31T11:00Z');
    expect(Object.keys(kept(within({ hours: 2 }), list))).toEqual(['2026-03-31T12:00', '2026-03-31T10:30']);
    // 31 March minus one month is 3 March (Go's AddDate normalises 31 February): 2 March is older.
    expect(Object.keys(kept(within({ months: 1 }), list))).toEqual(['2026-03-31T12:00', '2026-03-31T10:30']);
    expect(Object.keys(kept(within({ years: 1 }), list))).toEqual(['2026-03-31T12:00', '2026-03-31T10:30', '2026-03-02T12:00', '2025-04-01T12:00']);
  });

  it('a zero duration is no rule: with nothing else set, everything is kept', () => {
    const plan = planRetention({ backups: backups('2026-01-02T00:00Z', '2026-01-01T00:00Z'), policy: { ...OFF, ...within({}) }, timeZone: 'UTC' });
    expect(plan.map((d) => d.rules)).toEqual([['no-policy'], ['no-policy']]);
  });
});

describe('retention settings', () => {
  it('defaults to last 7, daily 14, weekly 8, monthly 12', () => {
    const policy = backupSettingsOf(loadConfig({})).retention;
    expect(policy).toEqual({ last: 7, hourly: 0, daily: 14, weekly: 8, monthly: 12, yearly: 0, within: undefined });
    expect(describePolicy(policy)).toBe('last 7, daily 14, weekly 8, monthly 12');
  });

  it('reads every variable, within as restic duration', () => {
    const policy = backupSettingsOf(loadConfig({
      COTTON_BACKUP_KEEP_LAST: '1', COTTON_BACKUP_KEEP_HOURLY: '24', COTTON_BACKUP_KEEP_DAILY: '0', COTTON_BACKUP_KEEP_WEEKLY: '-1',
      COTTON_BACKUP_KEEP_MONTHLY: '3', COTTON_BACKUP_KEEP_YEARLY: '2', COTTON_BACKUP_KEEP_WITHIN: '1y2m3d4h',
    })).retention;
    expect(policy).toEqual({ last: 1, hourly: 24, daily: 0, weekly: -1, monthly: 3, yearly: 2, within: { years: 1, months: 2, days: 3, hours: 4 } });
    expect(describePolicy(policy)).toBe('last 1, hourly 24, weekly all, monthly 3, yearly 2, within 1y2m3d4h');
  });

  it('rejects bad values, naming each variable', () => {
    let problems: string[] = [];
    try {
      loadConfig({ COTTON_BACKUP_KEEP_DAILY: 'many', COTTON_BACKUP_KEEP_LAST: '-2', COTTON_BACKUP_KEEP_WITHIN: '3 weeks', COTTON_BACKUP_KEEP_MONTHLY: '1.5' }, [backupSettingsOwner]);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      problems = (error as ConfigError).problems;
    }
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'COTTON_BACKUP_KEEP_DAILY', 'COTTON_BACKUP_KEEP_LAST', 'COTTON_BACKUP_KEEP_MONTHLY', 'COTTON_BACKUP_KEEP_WITHIN',
    ]);
    expect(problems.find((p) => p.startsWith('COTTON_BACKUP_KEEP_WITHIN'))).toMatch(/duration like 30d/);
  });
});
