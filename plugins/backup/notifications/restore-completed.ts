import type { Pool } from 'pg';
import type { Clock } from '../../../src/contract/services';
import type { Manifest } from '../repository/manifest';
import type { NewEvent } from '../events';
import { display, instantOf, knownTimeZone, parseInstant, roundTripLocal, roundTripUtc } from './dotnet-time';
import { notifyAdmins, Priority } from './notify-admins';
import { readCottonTimeZone } from '../cotton-tables/server-settings';
import { clipMessage } from '../core/message-limit';

export const RESTORED_TITLE = 'Database restored automatically';

/**
 * Cotton's High-priority "Database restored automatically" to every admin, with exactly the 14
 * hstore metadata keys Cotton's own restore writes, in its formats (COTTON.md §5): its web UI
 * renders the text from its template and these values. Keyed by the manifest: a retried startup
 * that restores the same backup into the same database notifies once.
 */
export async function notifyRestoreCompleted(
  pool: Pool,
  clock: Clock,
  restored: { manifest: Manifest; manifestKey: string; refusedNewer?: readonly string[]; sourceNote?: string },
): Promise<NewEvent | undefined> {
  const { manifest, manifestKey } = restored;
  const zone = knownTimeZone(
    await readCottonTimeZone(pool).catch(() => undefined), // no usable server_settings (yet): Cotton says UTC too
  );
  const created = parseInstant(manifest.createdAtUtc) ?? instantOf(new Date(0));
  const completed = instantOf(clock.now());
  const refused = restored.refusedNewer ?? [];
  const content =
    `The database was empty at startup and was restored from backup ${manifest.backupId} ` +
    `(database ${manifest.sourceDatabase} on ${manifest.sourceHost}:${manifest.sourcePort}), created ${display(created)} UTC ` +
    `(${display(created, zone)} ${zone}); the restore completed ${display(completed)} UTC (${display(completed, zone)} ${zone}).` +
    (restored.sourceNote ? ` It was restored from ${restored.sourceNote}.` : '') +
    (refused.length > 0 ? ` Newer backups could not be verified and were skipped: ${refused.join(' | ')}` : '');
  return notifyAdmins(pool, {
    kind: 'restore_completed',
    dedupKey: manifestKey,
    title: RESTORED_TITLE,
    content: clipMessage(content),
    priority: Priority.High,
    metadata: {
      backupId: manifest.backupId,
      createdAtUtc: roundTripUtc(created),
      createdAtLocal: roundTripLocal(created, zone),
      restoreCompletedUtc: roundTripUtc(completed),
      restoreCompletedLocal: roundTripLocal(completed, zone),
      backupCreatedUtc: display(created),
      backupCreatedLocal: display(created, zone),
      restoreCompletedUtcDisplay: display(completed),
      restoreCompletedLocalDisplay: display(completed, zone),
      sourceDatabase: manifest.sourceDatabase,
      sourceHost: manifest.sourceHost,
      sourcePort: manifest.sourcePort,
      serverTimezone: zone,
      manifestStorageKey: manifestKey,
      'i18n.titleKey': 'notifications:server.databaseRestoreCompleted.title',
      'i18n.contentKey': 'notifications:server.databaseRestoreCompleted.content',
    },
  });
}
