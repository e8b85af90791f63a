import type { Pool } from 'pg';
import type { Clock } from '../../../src/host/services';
import type { NewEvent } from '../projections/journal';
import { notifyAdmins, Priority } from './notify-admins';

export const BACKUP_FAILED_TITLE = 'Database backup failed';

/**
 * A failed backup: every admin gets one High-priority row, once per backup id (a retried
 * recording inserts nothing). Returns the AdminsNotified event for the caller to append to the
 * backup's stream, or undefined when there is no one to tell (or it was told already).
 * `message` must already be redacted.
 */
export async function notifyBackupFailed(pool: Pool, clock: Clock, backupId: string, message: string): Promise<NewEvent | undefined> {
  return notifyAdmins(pool, {
    kind: 'backup_failed',
    dedupKey: backupId,
    title: BACKUP_FAILED_TITLE,
    content: `Backup ${backupId} failed: ${message}`.slice(0, 4000),
    priority: Priority.High,
    metadata: {
      backupId,
      failedAtUtc: clock.now().toISOString(),
      'i18n.titleKey': 'notifications:server.databaseBackupFailed.title',
      'i18n.contentKey': 'notifications:server.databaseBackupFailed.content',
    },
  });
}
