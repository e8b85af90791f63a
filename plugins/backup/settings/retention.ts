import { z } from 'zod';

/** A bucket count: 0 turns the rule off, -1 keeps every backup the rule sees (restic's "unlimited"). */
export const keepCount = z.coerce.number().int().min(-1, 'expected -1 (unlimited), 0 (off) or a positive whole number').max(100_000);

/** restic's duration: years, months, days, hours, e.g. `30d`, `1y6m`, `2d12h`. */
export const WITHIN = /^(?:(\d{1,4})y)?(?:(\d{1,4})m)?(?:(\d{1,5})d)?(?:(\d{1,6})h)?$/;

export interface Within {
  years: number;
  months: number;
  days: number;
  hours: number;
}

export const keepWithin = z
  .string()
  .regex(WITHIN, 'a duration like 30d, 1y6m or 2d12h (y, m, d, h in that order)')
  .transform((text): Within => {
    const [, y, m, d, h] = WITHIN.exec(text)!;
    return { years: Number(y ?? 0), months: Number(m ?? 0), days: Number(d ?? 0), hours: Number(h ?? 0) };
  });

/** The retention variables (restic's `forget --keep-*`), with their defaults. */
export const retentionEnvironmentSchema = {
  COTTON_BACKUP_KEEP_LAST: keepCount.default(7),
  COTTON_BACKUP_KEEP_HOURLY: keepCount.default(0),
  COTTON_BACKUP_KEEP_DAILY: keepCount.default(14),
  COTTON_BACKUP_KEEP_WEEKLY: keepCount.default(8),
  COTTON_BACKUP_KEEP_MONTHLY: keepCount.default(12),
  COTTON_BACKUP_KEEP_YEARLY: keepCount.default(0),
  COTTON_BACKUP_KEEP_WITHIN: keepWithin.optional(),
};

export interface RetentionPolicy {
  last: number;
  hourly: number;
  daily: number;
  weekly: number;
  monthly: number;
  yearly: number;
  within?: Within;
}

type RetentionEnvironment = z.infer<z.ZodObject<typeof retentionEnvironmentSchema>>;

export function retentionPolicyFrom(e: RetentionEnvironment): RetentionPolicy {
  return {
    last: e.COTTON_BACKUP_KEEP_LAST,
    hourly: e.COTTON_BACKUP_KEEP_HOURLY,
    daily: e.COTTON_BACKUP_KEEP_DAILY,
    weekly: e.COTTON_BACKUP_KEEP_WEEKLY,
    monthly: e.COTTON_BACKUP_KEEP_MONTHLY,
    yearly: e.COTTON_BACKUP_KEEP_YEARLY,
    within: e.COTTON_BACKUP_KEEP_WITHIN,
  };
}

/** The policy as restic would print it, e.g. `last 7, daily 14, weekly 8, monthly 12`. */
export function describePolicy(p: RetentionPolicy): string {
  const parts = (['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const)
    .filter((k) => p[k] !== 0)
    .map((k) => `${k} ${p[k] === -1 ? 'all' : p[k]}`);
  if (p.within) parts.push(`within ${formatWithin(p.within)}`);
  return parts.length > 0 ? parts.join(', ') : 'keep everything (no rule set)';
}

export function formatWithin(w: Within): string {
  return [[w.years, 'y'], [w.months, 'm'], [w.days, 'd'], [w.hours, 'h']].filter(([n]) => n !== 0).map(([n, u]) => `${n}${u}`).join('') || '0h';
}
