import type { Job, PgBoss, Queue } from 'pg-boss';
import type { Logger } from 'pino';

/** One pg-boss queue the plugin schedules and works; each schedule file says only this. */
export interface ScheduledQueue {
  queue: string;
  /** Its name in log lines, e.g. "backup". */
  what: string;
  /**
   * The cron expression; undefined turns the schedule off: pg-boss keeps schedules in the
   * database, so the one an earlier start wrote is removed, and the queue is not worked.
   */
  cron: string | undefined;
  timezone: string;
  /** Retries and expiry of one job (pg-boss v12: the queue must exist before send/schedule). */
  options: Omit<Queue, 'name'>;
  /** The data of every scheduled job. */
  data?: object;
  pollingIntervalSeconds: number;
  /** Upper bound of a random delay before this process works the queue, so hosts do not all poll at once. */
  staggerMaxMs?: number;
  /** One job; `stopping` aborts when the host stops. A throw makes pg-boss retry it. */
  work(job: Job, stopping: AbortSignal): Promise<void>;
}

export interface Queues {
  /** Stops every worker (waiting for the jobs in hand) and every pending stagger. */
  stop(): Promise<void>;
}

const STOPPING = 'the host is stopping; the scheduled request stays recorded and is served at the next start';

/**
 * Creates each queue, (re)writes or removes its cron in its time zone, and works it (after its
 * stagger). Every worker it started stops with stop(); a failure halfway stops what had started.
 */
export async function startQueues(boss: PgBoss, queues: ScheduledQueue[], logger?: Logger): Promise<Queues> {
  const stopping = new AbortController();
  const worked = new Set<string>();
  const workerStarts: Promise<void>[] = [];

  const startWorker = async (q: ScheduledQueue): Promise<void> => {
    if (stopping.signal.aborted) return;
    await boss.work(q.queue, { batchSize: 1, pollingIntervalSeconds: q.pollingIntervalSeconds }, async (jobs: Job[]) => {
      for (const job of jobs) await q.work(job, stopping.signal);
    });
    worked.add(q.queue);
  };

  const stop = async (): Promise<void> => {
    stopping.abort(new Error(STOPPING));
    await Promise.allSettled(workerStarts);
    for (const queue of worked) {
      await boss.offWork(queue, { wait: true }).catch((error: Error) => logger?.warn({ err: error.message, queue }, 'stopping a schedule worker'));
    }
    worked.clear();
  };

  try {
    for (const q of queues) {
      await boss.createQueue(q.queue, q.options);
      if (q.cron === undefined) {
        await boss.unschedule(q.queue);
        continue;
      }
      await boss.schedule(q.queue, q.cron, q.data ?? {}, { tz: q.timezone });
      logger?.info({ cron: q.cron, timezone: q.timezone }, `${q.what} schedule set`);
      if (!q.staggerMaxMs) {
        await startWorker(q);
        continue;
      }
      workerStarts.push(
        delay(Math.floor(Math.random() * q.staggerMaxMs), stopping.signal)
          .then(() => startWorker(q))
          .catch((error: Error) => logger?.error({ err: error.message }, `could not start the ${q.what} schedule worker`)),
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}

/** Resolves after ms, or at once when the signal aborts. */
function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
