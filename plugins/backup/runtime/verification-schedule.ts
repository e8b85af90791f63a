import type { Job } from 'pg-boss';
import type { DependencyContainer } from 'tsyringe';
import { HostTokens } from '../../../src/contract/services';
import { resolve } from '../../../src/contract/tokens';
import type { BackupServices } from './services';
import { recordVerification } from '../verify/record-verification';
import { verifyBackup, type VerificationReport } from '../verify/verify-backup';
import { verifyTargets } from '../copies/verify-targets';
import { VERIFY_QUEUE } from '../core/queues';

/** The pg-boss queue the verification cron sends to: one job per slot across every host. */

export interface VerificationSchedule {
  stop(): Promise<void>;
}

/** One scheduled verification: the latest backup, recorded, admins told on failure. */
export async function runScheduledVerification(services: BackupServices): Promise<VerificationReport | undefined> {
  const { backup } = services;
  const report = await verifyBackup(backup.storage, backup.masterEncryptionKey, { recordings: backup.pool });
  // Copies too: a damaged copy is found before the day it is needed.
  await verifyTargets(services.copies).catch((error: Error) => backup.logger?.error({ err: error.message }, 'scheduled verification of the copy targets could not run'));
  const nothingYet = report.problems.length === 1 && report.problems[0]!.problem === 'missing' && !report.manifestKey && !report.backupId;
  if (nothingYet) {
    backup.logger?.info('scheduled verification: no backup yet, nothing to verify');
    return undefined;
  }
  await recordVerification(backup.pool, backup.journal, report, { secrets: backup.secrets, trigger: 'schedule', logger: backup.logger });
  if (report.problems.length > 0) backup.logger?.error({ backupId: report.backupId, problems: report.problems.length }, 'scheduled verification failed');
  else backup.logger?.info({ backupId: report.backupId, bytes: report.bytes, durationMs: report.durationMs }, 'scheduled verification passed');
  return report;
}

/**
 * Creates the queue, (re)writes the COTTON_VERIFY_SCHEDULE cron, and works the queue. Called
 * from the plugin's start (triggers/start-triggers.ts), after pg-boss is up.
 */
export async function startVerificationSchedule(container: DependencyContainer, services: BackupServices): Promise<VerificationSchedule> {
  const { settings } = services;
  const boss = resolve(container, HostTokens.Boss);
  const logger = services.backup.logger;
  await boss.createQueue(VERIFY_QUEUE, { retryLimit: 2, retryDelay: 300, expireInSeconds: 6 * 3600 });
  await boss.schedule(VERIFY_QUEUE, settings.verifySchedule, {}, { tz: settings.timezone ?? 'UTC' });
  // Failures of the backup itself are recorded, not thrown: only an error in reading or
  // recording makes pg-boss retry.
  await boss.work(VERIFY_QUEUE, { batchSize: 1, pollingIntervalSeconds: 10 }, async (jobs: Job[]) => {
    for (const _job of jobs) await runScheduledVerification(services);
  });
  logger?.info({ cron: settings.verifySchedule }, 'verification schedule set');
  return {
    async stop() {
      await boss.offWork(VERIFY_QUEUE, { wait: true }).catch((error: Error) => logger?.warn({ err: error.message }, 'stopping the verification worker'));
    },
  };
}
