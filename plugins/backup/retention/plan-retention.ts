import type { KEEP_RULES } from '../events/vocabulary';
import { isoWeek, localTime, type LocalTime } from './local-time';
import type { RetentionPolicy, Within } from '../settings/retention';

/** Why a backup is kept: one of restic's rules, or one of ours that no policy can override. */
export type KeepRule = (typeof KEEP_RULES)[number];

export interface RetentionCandidate {
  backupId: string;
  /** When the backup was taken (its manifest's createdAtUtc). */
  createdAt: Date;
}

export interface RetentionDecision<C extends RetentionCandidate = RetentionCandidate> {
  backup: C;
  keep: boolean;
  /** Every rule that keeps it (empty when it expires), in restic's order, then ours. */
  rules: KeepRule[];
}

export interface RetentionInputs<C extends RetentionCandidate> {
  backups: readonly C[];
  policy: RetentionPolicy;
  /** IANA zone the hour/day/week/month/year buckets are cut in. */
  timeZone: string;
  /** The backup the latest-backup pointer names (ours or Cotton's): always kept. */
  latestBackupId?: string;
  /** Backups a restore or a verification is reading right now: never expired under it. */
  inUse?: ReadonlySet<string>;
  /**
   * Backups named to go (`forget <id>`, restic's way): no bucket or `within` rule keeps them, nor do
   * they take a bucket's place; `latest` and `in-use` still do, so the caller can refuse.
   */
  forget?: ReadonlySet<string>;
}

type Bucketer = (t: LocalTime, index: number) => number;

const BUCKETS: readonly { rule: KeepRule; key: 'last' | 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly'; bucket: Bucketer }[] = [
  { rule: 'last', key: 'last', bucket: (_t, index) => index },
  { rule: 'hourly', key: 'hourly', bucket: (t) => ((t.year * 100 + t.month) * 100 + t.day) * 100 + t.hour },
  { rule: 'daily', key: 'daily', bucket: (t) => (t.year * 100 + t.month) * 100 + t.day },
  { rule: 'weekly', key: 'weekly', bucket: (t) => { const w = isoWeek(t); return w.year * 100 + w.week; } },
  { rule: 'monthly', key: 'monthly', bucket: (t) => t.year * 100 + t.month },
  { rule: 'yearly', key: 'yearly', bucket: (t) => t.year },
];

/**
 * restic's `forget --keep-*` (ApplyPolicy): newest first, each bucket rule keeps the newest backup
 * of each of its N most recent buckets (hour, day, ISO week, month, year in `timeZone`; "last"
 * counts backups), and the oldest backup while a rule still has count left; `within` keeps all
 * backups newer than the newest one minus the duration. A policy with no rule keeps everything.
 * Pure: no clock, no I/O; the same inputs give the same plan.
 */
export function planRetention<C extends RetentionCandidate>(inputs: RetentionInputs<C>): RetentionDecision<C>[] {
  const { policy, timeZone } = inputs;
  const sorted = [...inputs.backups].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.backupId < b.backupId ? 1 : -1));
  const empty = BUCKETS.every((b) => policy[b.key] === 0) && !isDuration(policy.within);
  const counters = BUCKETS.map((b) => ({ ...b, left: policy[b.key], last: Number.NaN }));
  const counted = sorted.filter((b) => !inputs.forget?.has(b.backupId));
  const newest = counted[0]?.createdAt;
  const withinFrom = newest && isDuration(policy.within) ? subtract(newest, policy.within) : undefined;

  const policyRules = (backup: C, index: number): KeepRule[] => {
    const rules: KeepRule[] = [];
    if (empty) rules.push('no-policy');
    const t = localTime(backup.createdAt, timeZone);
    for (const c of counters) {
      if (c.left === 0) continue;
      const value = c.bucket(t, index);
      if (value !== c.last || index === counted.length - 1) {
        c.last = value;
        if (c.left > 0) c.left -= 1;
        rules.push(c.rule);
      }
    }
    if (withinFrom && backup.createdAt.getTime() > withinFrom.getTime()) rules.push('within');
    return rules;
  };
  let index = 0;
  return sorted.map((backup) => {
    const rules = inputs.forget?.has(backup.backupId) ? [] : policyRules(backup, index++);
    if (backup.backupId === inputs.latestBackupId) rules.push('latest');
    if (inputs.inUse?.has(backup.backupId)) rules.push('in-use');
    return { backup, keep: rules.length > 0, rules };
  });
}

function isDuration(w: Within | undefined): w is Within {
  return w !== undefined && w.years + w.months + w.days + w.hours > 0;
}

// Go's AddDate(-y, -m, -d).Add(-h): calendar arithmetic that normalises overflow (31 March − 1 month = 3 March).
function subtract(from: Date, w: Within): Date {
  const d = new Date(from.getTime());
  d.setUTCFullYear(d.getUTCFullYear() - w.years, d.getUTCMonth() - w.months, d.getUTCDate() - w.days);
  return new Date(d.getTime() - w.hours * 3_600_000);
}
