import type { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import { applyRetention, type RetentionContext } from '../retention/apply-retention';
import { RETENTION_QUEUE } from '../core/queues';

/**
 * Hourly. Cotton's consistency job gives an object without a row one with `now + 1 day`, and its GC
 * schedules an unpinned row at the earliest `now + 1 day` (Limited space mode): a pin within 24 h
 * beats both; hourly leaves a 24× margin for missed runs and stopped hosts.
 */
export const RETENTION_CRON = '7 * * * *';

export interface RetentionSchedule {
  stop(): Promise<void>;
}

/** Applies retention once at start (pinning what a stopped host may have missed), then hourly through pg-boss. */
export async function startRetentionSchedule(boss: PgBoss, retention: RetentionContext, logger?: Logger): Promise<RetentionSchedule> {
  const run = async (why: string) => {
    const report = await applyRetention(retention);
    const p = report.protection;
    logger?.info(
      { why, kept: report.decisions.filter((d) => d.keep).length, expired: report.decisions.filter((d) => d.change === 'expire').length,
        chunksTable: p?.chunksTable, pinnedRows: p?.pinnedRows, released: p?.released.length, unreadable: p?.unreadable.length },
      'retention applied',
    );
  };
  await run('start').catch((error: Error) => logger?.error({ err: error.message }, 'retention at start failed; the hourly job retries'));
  await boss.createQueue(RETENTION_QUEUE, { retryLimit: 3, retryDelay: 300, expireInSeconds: 3600 });
  await boss.schedule(RETENTION_QUEUE, RETENTION_CRON, {}, { tz: 'UTC' });
  await boss.work(RETENTION_QUEUE, { batchSize: 1, pollingIntervalSeconds: 30 }, async (jobs) => {
    for (const _job of jobs) await run('schedule');
  });
  return {
    async stop() {
      await boss.offWork(RETENTION_QUEUE, { wait: true }).catch((error: Error) => logger?.warn({ err: error.message }, 'stopping the retention worker'));
    },
  };
}
