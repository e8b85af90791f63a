import type { Pool } from 'pg';
import type { Clock } from '../../../src/contract/services';
import type { NewEvent } from '../events';
import { instantOf, roundTripUtc } from './dotnet-time';
import { notifyAdmins, Priority } from './notify-admins';

export const BACKUP_FAILED_TITLE = 'Database backup failed';

/**
 * A failed backup: every admin gets one High-priority row, once per backup id (a retried
 * recording inserts nothing). Returns the AdminsNotified event for the caller to append to the
 * backup's stream, or undefined when there is no one to tell (or it was told already).
 * `message` must already be redacted. No i18n key: Cotton has no template for a failed backup
 * (COTTON.md §5), so its UI shows this title and content, which must stand on their own.
 */
export async function notifyBackupFailed(pool: Pool, clock: Clock, backupId: string, message: string): Promise<NewEvent | undefined> {
  return notifyAdmins(pool, {
    kind: 'backup_failed',
    dedupKey: backupId,
    title: BACKUP_FAILED_TITLE,
    content:
      `Database backup ${backupId} failed: ${message.slice(0, 3000)}. The latest-backup pointer was not changed: ` +
      `a restore still uses the previous backup. See \`cotton-backup audit --backup ${backupId}\` for the whole trail.`,
    priority: Priority.High,
    metadata: {
      backupId,
      failedAtUtc: roundTripUtc(instantOf(clock.now())),
    },
  });
}
