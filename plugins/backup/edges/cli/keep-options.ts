import type { Command } from 'commander';
import type { z } from 'zod';
import { CliError } from '../../../../src/cli/errors';
import { keepCount, keepWithin, type RetentionPolicy } from '../../settings/retention';

const COUNTS = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;

export type KeepOptions = Partial<Record<`keep${Capitalize<(typeof COUNTS)[number]>}` | 'keepWithin', string>>;

const flag = (key: string) => `--keep-${key}`;
const optionKey = (key: string) => `keep${key[0]!.toUpperCase()}${key.slice(1)}` as keyof KeepOptions;

/** restic's `forget --keep-*` flags, checked as the COTTON_BACKUP_KEEP_* variables are. */
export function addKeepOptions(command: Command): Command {
  for (const key of COUNTS) command.option(`${flag(key)} <n>`, `keep the newest backup of each of the n newest ${key === 'last' ? 'backups' : `${key} buckets`} (-1 all)`);
  return command.option('--keep-within <duration>', 'keep every backup within this long of the newest, e.g. 30d, 1y6m, 2d12h');
}

/**
 * The policy the flags give, restic's way: only the rules given, the others off; none given,
 * undefined (the configured COTTON_BACKUP_KEEP_* policy applies).
 */
export function keepPolicyOf(opts: KeepOptions): RetentionPolicy | undefined {
  if (![...COUNTS, 'within'].some((k) => opts[optionKey(k)] !== undefined)) return undefined;
  const parse = <T>(schema: z.ZodType<T>, key: string): T | undefined => {
    const value = opts[optionKey(key)];
    if (value === undefined) return undefined;
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new CliError(`${flag(key)} "${value}": ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return parsed.data;
  };
  const policy: RetentionPolicy = { last: 0, hourly: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0 };
  for (const key of COUNTS) policy[key] = parse(keepCount, key) ?? 0;
  const within = parse(keepWithin, 'within');
  return within ? { ...policy, within } : policy;
}
