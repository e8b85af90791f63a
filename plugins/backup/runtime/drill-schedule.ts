import type { Job } from 'pg-boss';
import { resolveScheduleTimeZone } from './schedule-timezone';
import type { DependencyContainer } from 'tsyringe';
import { HostTokens } from '../../../src/contract/services';
import { resolve } from '../../../src/contract/tokens';
import { RestoreRejectedError } from '../repository/restore-rejection';
import type { BackupServices } from './services';
import { drillContext } from './drill-context';
import { DrillAlreadyRunningError, runDrill, type DrillReport } from '../drills/run-drill';
import { DRILL_QUEUE } from '../core/queues';

/** The pg-boss queue the COTTON_DRILL_SCHEDULE cron sends to: one drill per slot across every host. */

/** One scheduled drill of the latest backup; its outcome is recorded (and admins told) by runDrill. */
export async function runScheduledDrill(services: BackupServices): Promise<DrillReport | undefined> {
  const logger = services.backup.logger;
  try {
    const report = await runDrill(drillContext(services), { trigger: 'schedule' });
    if (report.passed) logger?.info({ backupId: report.backupId, tables: report.tables.length, durationMs: report.durationMs }, 'scheduled restore drill passed');
    else logger?.error({ backupId: report.backupId, problems: report.problems.length }, 'scheduled restore drill failed');
    return report;
  } catch (error) {
    // Nothing to drill yet, or a drill already running elsewhere: not worth a pg-boss retry.
    // (A damaged latest backup is what the scheduled verification reports and tells admins of.)
    if (error instanceof DrillAlreadyRunningError || error instanceof RestoreRejectedError) {
      logger?.warn({ err: error.message }, 'scheduled restore drill skipped');
      return undefined;
    }
    throw error;
  }
}

/**
 * Sets or clears the COTTON_DRILL_SCHEDULE cron (pg-boss keeps schedules in the database, so
 * turning the setting off must remove the one an earlier start wrote) and works the queue.
 */
export async function startDrillSchedule(container: DependencyContainer, services: BackupServices): Promise<void> {
  const { settings } = services;
  const boss = resolve(container, HostTokens.Boss);
  const logger = services.backup.logger;
  const cron = settings.proof.drillSchedule;
  await boss.createQueue(DRILL_QUEUE, { retryLimit: 1, retryDelay: 600, expireInSeconds: 12 * 3600 });
  if (!cron) {
    await boss.unschedule(DRILL_QUEUE);
    return;
  }
  // The backup schedule's zone: COTTON_BACKUP_TIMEZONE, else Cotton's server_settings, else UTC.
  await boss.schedule(DRILL_QUEUE, cron, {}, { tz: await resolveScheduleTimeZone(services.backup.pool, settings.timezone, logger) });
  await boss.work(DRILL_QUEUE, { batchSize: 1, pollingIntervalSeconds: 10 }, async (jobs: Job[]) => {
    for (const _job of jobs) await runScheduledDrill(services);
  });
  logger?.info({ cron }, 'restore drill schedule set');
}
