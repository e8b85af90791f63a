import { RestoreRejectedError } from '../repository/restore-rejection';
import type { BackupServices } from './services';
import { drillContext } from './drill-context';
import { DrillAlreadyRunningError, runDrill, type DrillReport } from '../drills/run-drill';
import { DRILL_QUEUE } from '../core/queues';
import type { ScheduledQueue } from './start-queues';
import { startRunLog } from '../core/run-log';

/** One scheduled drill of the latest backup between its start and end lines; its outcome is recorded (and admins told) by runDrill. */
export async function runScheduledDrill(services: BackupServices): Promise<DrillReport | undefined> {
  const log = startRunLog(services.backup.logger, 'restore drill', { trigger: 'schedule' });
  try {
    const report = await runDrill(drillContext(services), { trigger: 'schedule' });
    const facts = { backupId: report.backupId, tables: report.tables.length, restoreMs: report.restoreMs };
    const first = report.problems[0];
    if (first) log.end('failed', { ...facts, problems: report.problems.length }, JSON.stringify(first));
    else log.end('succeeded', facts);
    return report;
  } catch (error) {
    // Nothing to drill yet, or a drill already running elsewhere: not worth a pg-boss retry.
    // (A damaged latest backup is what the scheduled verification reports and tells admins of.)
    if (error instanceof DrillAlreadyRunningError || error instanceof RestoreRejectedError) {
      log.end('skipped', { reason: (error as Error).message });
      return undefined;
    }
    log.end('failed', {}, (error as Error).message);
    throw error;
  }
}

/** The COTTON_DRILL_SCHEDULE cron (off by default): one drill per slot across every host. */
export function drillSchedule(services: BackupServices, timezone: string): ScheduledQueue {
  return {
    queue: DRILL_QUEUE,
    what: 'restore drill',
    cron: services.settings.proof.drillSchedule,
    timezone,
    options: { retryLimit: 1, retryDelay: 600, expireInSeconds: 12 * 3600 },
    pollingIntervalSeconds: 10,
    work: async () => {
      await runScheduledDrill(services);
    },
  };
}
