import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { Job, PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import type { BackupCoordinator, RequestState } from '../requests/backup-coordinator';
import { resolveScheduleTimeZone } from './schedule-timezone';
import { pgUuid } from '../events/vocabulary';
import { SCHEDULE_QUEUE } from '../core/queues';

/** The pg-boss queue the cron schedule sends to; one job per slot, whatever the number of hosts. */

/** Retries with exponential backoff (seconds); a job may wait hours for a long backup. */
export const SCHEDULE_QUEUE_OPTIONS = {
  retryLimit: 4,
  retryDelay: 60,
  retryBackoff: true,
  retryDelayMax: 3600,
  expireInSeconds: 6 * 3600,
} as const;

export interface ScheduleOptions {
  boss: PgBoss;
  pool: Pool;
  coordinator: BackupCoordinator;
  cron: string;
  /** COTTON_BACKUP_TIMEZONE; undefined = Cotton's server_settings.timezone, else UTC. */
  timezone?: string;
  /** Upper bound of the random delay before this process starts its worker. */
  staggerMaxMs: number;
  logger?: Logger;
}

export interface Schedule {
  timezone: string;
  /** Resolves when the worker has started (after the stagger delay); tests wait on it. */
  workerStarted: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Creates the queue, (re)writes the cron schedule in its time zone, and after a random stagger
 * starts a worker. Each job records a request whose id is the job id (a pg-boss retry is the same
 * request), waits for the backup that serves it, and throws when that backup failed, so pg-boss
 * retries with backoff.
 */
export async function startSchedule(options: ScheduleOptions): Promise<Schedule> {
  const { boss, coordinator, logger } = options;
  const timezone = await resolveScheduleTimeZone(options.pool, options.timezone, logger);
  await boss.createQueue(SCHEDULE_QUEUE, SCHEDULE_QUEUE_OPTIONS);
  await boss.schedule(SCHEDULE_QUEUE, options.cron, { source: 'schedule' }, { tz: timezone });
  logger?.info({ cron: options.cron, timezone }, 'backup schedule set');

  const stopping = new AbortController();
  const handle = async (job: Job): Promise<void> => {
    const requestId = await coordinator.request({
      source: 'schedule',
      reason: `scheduled backup (${options.cron}, ${timezone})`,
      requestedBy: 'pg-boss',
      requestId: pgUuid.safeParse(job.id).success ? job.id : randomUUID(),
    });
    // A retry must wait for a new attempt, not trip over the failure that caused it.
    const before = await coordinator.status(requestId);
    const failedBefore = before?.status === 'retrying' ? before.backupId : undefined;
    const state: RequestState = await coordinator.waitFor(requestId, {
      signal: AbortSignal.any([job.signal, stopping.signal]),
      intervalMs: 500,
      settled: (s) => s.status === 'served' || s.status === 'failed' || (s.status === 'retrying' && s.backupId !== failedBefore),
    });
    if (state.status !== 'served') throw new Error(`scheduled backup request ${requestId} ended ${state.status} (backup ${state.backupId ?? 'none'})`);
  };

  let timer: NodeJS.Timeout | undefined;
  let working = false;
  let cancel = (): void => undefined;
  const workerStarted = new Promise<void>((resolve, reject) => {
    cancel = resolve;
    timer = setTimeout(() => {
      if (stopping.signal.aborted) return resolve();
      boss
        .work(SCHEDULE_QUEUE, { batchSize: 1, pollingIntervalSeconds: 2 }, async (jobs: Job[]) => {
          for (const job of jobs) await handle(job);
        })
        .then(() => {
          working = true;
          resolve();
        }, reject);
    }, Math.floor(Math.random() * options.staggerMaxMs));
  });
  workerStarted.catch((error: Error) => logger?.error({ err: error.message }, 'could not start the backup schedule worker'));

  return {
    timezone,
    workerStarted,
    async stop() {
      clearTimeout(timer);
      cancel();
      stopping.abort(new Error('the host is stopping; the scheduled request stays recorded and is served at the next start'));
      if (working) await boss.offWork(SCHEDULE_QUEUE, { wait: true }).catch((error: Error) => logger?.warn({ err: error.message }, 'stopping the schedule worker'));
    },
  };
}
