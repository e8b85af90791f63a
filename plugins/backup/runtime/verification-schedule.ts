import type { BackupServices } from './services';
import { recordVerification } from '../verify/record-verification';
import { verifyBackup, type VerificationReport } from '../verify/verify-backup';
import { logVerification } from '../verify/log-verification';
import { verifyTargets } from '../copies/verify-targets';
import { VERIFY_QUEUE } from '../core/queues';
import type { ScheduledQueue } from './start-queues';

/** One scheduled verification: the latest backup, recorded, admins told on failure; between its start and end lines. */
export async function runScheduledVerification(services: BackupServices): Promise<VerificationReport | undefined> {
  const { backup } = services;
  const report = await logVerification(backup.logger, { trigger: 'schedule' }, async () => {
    const r = await verifyBackup(backup.storage, backup.masterEncryptionKey, { recordings: backup.pool });
    const nothingYet = r.problems.length === 1 && r.problems[0]!.problem === 'missing' && !r.manifestKey && !r.backupId;
    if (nothingYet) return undefined;
    await recordVerification(backup.pool, backup.journal, r, { secrets: backup.secrets, trigger: 'schedule', logger: backup.logger });
    return r;
  });
  // Copies too: a damaged copy is found before the day it is needed.
  await verifyTargets(services.copies).catch((error: Error) => backup.logger?.error({ err: error.message }, 'scheduled verification of the copy targets could not run'));
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
