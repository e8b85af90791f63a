import type { Pool } from 'pg';
import type { Clock } from '../../../src/host/services';
import { readStream } from '../events';
import type { Journal, NewEvent } from '../projections/journal';
import type { Manifest } from '../manifest/manifest';
import { notifyAdmins } from '../notifications/notify-admins';
import { SERVER_TIMEZONE } from './sql';

export const RESTORED_TITLE = 'Database restored automatically';

/**
 * The dump was taken while its own backup ran, so the restored event log ends at BackupStarted.
 * What followed is re-recorded from the manifest, marked `rerecorded`, so history reads whole.
 */
export async function rerecordBackupHistory(pool: Pool, journal: Journal, manifest: Manifest, manifestKey: string, restoreId: string): Promise<void> {
  const stream = await readStream(pool, manifest.backupId);
  const has = (type: string) => stream.some((e) => e.type === type);
  const metadata = { rerecorded: true, restoreId };
  const previousManifestKey = manifest.previousManifestStorageKey ?? null;
  const missing: NewEvent[] = [];
  if (!has('Dumped')) {
    missing.push({
      type: 'Dumped',
      data: {
        pgDumpVersion: manifest.pgDumpVersion ?? 'unknown',
        serverVersion: manifest.serverVersion ?? 'unknown',
        bytes: manifest.dumpSizeBytes,
        sha256: manifest.dumpContentHash,
        durationMs: 0,
      },
      metadata,
    });
  }
  if (!has('ManifestCommitted')) {
    missing.push({ type: 'ManifestCommitted', data: { backupId: manifest.backupId, manifestKey, previousManifestKey, rerecorded: true }, metadata });
  }
  if (!has('PointerAdvanced')) {
    missing.push({ type: 'PointerAdvanced', data: { backupId: manifest.backupId, previousManifestKey, manifestKey, rerecorded: true }, metadata });
  }
  if (missing.length > 0) await journal.append(manifest.backupId, missing, { expectedVersion: stream.length === 0 ? 'no_stream' : BigInt(stream.length) });
}

/** Cotton's High-priority "Database restored automatically" to every admin (COTTON.md §5). */
export async function notifyRestoreCompleted(pool: Pool, clock: Clock, manifest: Manifest, manifestKey: string): Promise<NewEvent | undefined> {
  const timezone = await pool.query<{ timezone: string }>(SERVER_TIMEZONE).then((r) => r.rows[0]?.timezone ?? 'UTC', () => 'UTC');
  return notifyAdmins(pool, {
    kind: 'restore_completed',
    dedupKey: manifestKey,
    title: RESTORED_TITLE,
    content: `The database was empty at startup and was restored from backup ${manifest.backupId} created at ${manifest.createdAtUtc}.`,
    priority: 3,
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

/** A refused or failed restore: admins hear of it when there are any (a database with users but no migrations). */
export async function notifyRestoreRefused(pool: Pool, clock: Clock, restoreId: string, message: string): Promise<NewEvent | undefined> {
  return notifyAdmins(pool, {
    kind: 'restore_refused',
    dedupKey: restoreId,
    title: 'Database restore refused',
    content: message.slice(0, 2000),
    priority: 3,
    metadata: {
      restoreId,
      failedAtUtc: clock.now().toISOString(),
      'i18n.titleKey': 'notifications:server.databaseRestoreFailed.title',
      'i18n.contentKey': 'notifications:server.databaseRestoreFailed.content',
    },
  });
}
