import type { Logger } from 'pino';
import { applyRetention, type RetentionContext } from '../retention/apply-retention';
import { RETENTION_QUEUE } from '../core/queues';
import type { ScheduledQueue } from './start-queues';

/**
 * Hourly. Cotton's consistency job gives an object without a row one with `now + 1 day`, and its GC
 * schedules an unpinned row at the earliest `now + 1 day` (Limited space mode): a pin within 24 h
 * beats both; hourly leaves a 24× margin for missed runs and stopped hosts.
 */
export const RETENTION_CRON = '7 * * * *';

async function runRetention(retention: RetentionContext, why: string, logger?: Logger): Promise<void> {
  const report = await applyRetention(retention);
  const p = report.protection;
  logger?.info(
    { why, kept: report.decisions.filter((d) => d.keep).length, expired: report.decisions.filter((d) => d.change === 'expire').length,
      chunksTable: p?.chunksTable, pinnedRows: p?.pinnedRows, released: p?.released.length, unreadable: p?.unreadable.length },
    'retention applied',
  );
}

/** Once at start, before the hourly job: pins what a stopped host may have missed. */
export async function applyRetentionAtStart(retention: RetentionContext, logger?: Logger): Promise<void> {
  await runRetention(retention, 'start', logger).catch((error: Error) => logger?.error({ err: error.message }, 'retention at start failed; the hourly job retries'));
}

/** The hourly retention job. */
export function retentionSchedule(retention: RetentionContext, logger?: Logger): ScheduledQueue {
  return {
    queue: RETENTION_QUEUE,
    what: 'retention',
    cron: RETENTION_CRON,
    timezone: 'UTC',
    options: { retryLimit: 3, retryDelay: 300, expireInSeconds: 3600 },
    pollingIntervalSeconds: 30,
    work: () => runRetention(retention, 'schedule', logger),
  };
}
