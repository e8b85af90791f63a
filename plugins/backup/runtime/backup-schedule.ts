import { randomUUID } from 'node:crypto';
import type { BackupCoordinator, RequestState } from '../requests/backup-coordinator';
import { pgUuid } from '../events/vocabulary';
import { SCHEDULE_QUEUE } from '../core/queues';
import type { ScheduledQueue } from './start-queues';

/** Retries with exponential backoff (seconds); a job may wait hours for a long backup. */
export const SCHEDULE_QUEUE_OPTIONS = {
  retryLimit: 4,
  retryDelay: 60,
  retryBackoff: true,
  retryDelayMax: 3600,
  expireInSeconds: 6 * 3600,
} as const;

export interface BackupScheduleOptions {
  coordinator: BackupCoordinator;
  cron: string;
  /** Resolved by schedule-timezone.ts. */
  timezone: string;
  /** Upper bound of the random delay before this process starts its worker. */
  staggerMaxMs: number;
}

/**
 * The backup cron: one job per slot, whatever the number of hosts. Each job records a request
 * whose id is the job id (a pg-boss retry is the same request), waits for the backup that serves
 * it, and throws when that backup failed, so pg-boss retries with backoff.
 */
export function backupSchedule(options: BackupScheduleOptions): ScheduledQueue {
  const { coordinator, cron, timezone } = options;
  return {
    queue: SCHEDULE_QUEUE,
    what: 'backup',
    cron,
    timezone,
    options: SCHEDULE_QUEUE_OPTIONS,
    data: { source: 'schedule' },
    pollingIntervalSeconds: 2,
    staggerMaxMs: options.staggerMaxMs,
    async work(job, stopping) {
      const requestId = await coordinator.request({
        source: 'schedule',
        reason: `scheduled backup (${cron}, ${timezone})`,
        requestedBy: 'pg-boss',
        requestId: pgUuid.safeParse(job.id).success ? job.id : randomUUID(),
      });
      // A retry must wait for a new attempt, not trip over the failure that caused it.
      const before = await coordinator.status(requestId);
      const failedBefore = before?.status === 'retrying' ? before.backupId : undefined;
      const state: RequestState = await coordinator.waitFor(requestId, {
        signal: AbortSignal.any([job.signal, stopping]),
        intervalMs: 500,
        settled: (s) => s.status === 'served' || s.status === 'failed' || (s.status === 'retrying' && s.backupId !== failedBefore),
      });
      if (state.status !== 'served') throw new Error(`scheduled backup request ${requestId} ended ${state.status} (backup ${state.backupId ?? 'none'})`);
    },
  };
}
