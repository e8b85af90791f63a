import type { Pool } from 'pg';
import type { Clock } from '../../../src/host/services';
import type { Manifest } from '../manifest/manifest';
import type { NewEvent } from '../projections/journal';
import { notifyAdmins, Priority } from './notify-admins';
import { SERVER_TIMEZONE } from '../restore/sql';

export const RESTORED_TITLE = 'Database restored automatically';

/**
 * Cotton's High-priority "Database restored automatically" to every admin, with the hstore
 * metadata Cotton's own restore writes (COTTON.md §5). Keyed by the manifest: a retried startup
 * that restores the same backup into the same database notifies once.
 */
export async function notifyRestoreCompleted(
  pool: Pool,
  clock: Clock,
  restored: { manifest: Manifest; manifestKey: string; refusedNewer?: readonly string[] },
): Promise<NewEvent | undefined> {
  const { manifest, manifestKey } = restored;
  const timezone = await pool.query<{ timezone: string }>(SERVER_TIMEZONE).then(
    (r) => r.rows[0]?.timezone ?? 'UTC',
    () => 'UTC',
  );
  const refused = restored.refusedNewer ?? [];
  const content =
    `The database was empty at startup and was restored from backup ${manifest.backupId} created at ${manifest.createdAtUtc}.` +
    (refused.length > 0 ? ` Newer backups could not be verified and were skipped: ${refused.join(' | ')}` : '');
  return notifyAdmins(pool, {
    kind: 'restore_completed',
    dedupKey: manifestKey,
    title: RESTORED_TITLE,
    content: content.slice(0, 4000),
    priority: Priority.High,
    metadata: {
      backupId: manifest.backupId,
      createdAtUtc: manifest.createdAtUtc,
      restoreCompletedUtc: clock.now().toISOString(),
      sourceDatabase: manifest.sourceDatabase,
      sourceHost: manifest.sourceHost,
      sourcePort: manifest.sourcePort,
      serverTimezone: timezone,
      manifestStorageKey: manifestKey,
      'i18n.titleKey': 'notifications:server.databaseRestoreCompleted.title',
      'i18n.contentKey': 'notifications:server.databaseRestoreCompleted.content',
    },
  });
}
