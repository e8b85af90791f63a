import type { BackupServices } from './services';
import { recordVerification } from '../verify/record-verification';
import { verifyBackup, type VerificationReport } from '../verify/verify-backup';
import { verifyTargets } from '../copies/verify-targets';
import { VERIFY_QUEUE } from '../core/queues';
import type { ScheduledQueue } from './start-queues';

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
 * The COTTON_VERIFY_SCHEDULE cron: one job per slot across every host. Failures of the backup
 * itself are recorded, not thrown: only an error in reading or recording makes pg-boss retry.
 */
export function verificationSchedule(services: BackupServices, timezone: string): ScheduledQueue {
  return {
    queue: VERIFY_QUEUE,
    what: 'verification',
    cron: services.settings.verifySchedule,
    timezone,
    options: { retryLimit: 2, retryDelay: 300, expireInSeconds: 6 * 3600 },
    pollingIntervalSeconds: 10,
    work: async () => {
      await runScheduledVerification(services);
    },
  };
}
