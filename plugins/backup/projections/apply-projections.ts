import type { ClientBase } from 'pg';
import * as sql from './sql';
import { PRODUCER } from '../core/producer';
import { projectCopyEvent } from './project-copies';

/** What a projection needs of a recorded event. */
export interface ProjectedEvent {
  streamId: string;
  type: string;
  data: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  occurredAt: Date;
  globalPosition: bigint | string | number;
}

/**
 * Folds one event into latest_backup, backup_history and admin_notifications. Run inside the appending transaction,
 * so a read model is never behind the events that are committed, and again by a rebuild.
 */
export async function applyProjections(db: ClientBase, event: ProjectedEvent): Promise<void> {
  const d = event.data as Record<string, any>;
  const rerecorded = event.metadata?.rerecorded === true || d.rerecorded === true;
  switch (event.type) {
    case 'BackupStarted':
      await db.query(sql.INSERT_STARTED, [d.backupId, d.requestIds, d.database, event.occurredAt]);
      return;
    case 'Dumped':
      await db.query(sql.UPDATE_DUMPED, [backupIdOf(event), d.bytes, d.sha256, d.pgDumpVersion, d.serverVersion]);
      return;
    case 'Chunked':
      await db.query(sql.UPDATE_CHUNKED, [
        backupIdOf(event), d.chunkCount, d.newChunks, d.reusedChunks, d.newPlaintextBytes, d.reusedPlaintextBytes, d.bytesWritten,
      ]);
      return;
    case 'ManifestCommitted':
      await db.query(sql.UPDATE_MANIFEST, [d.backupId, d.manifestKey, d.previousManifestKey, rerecorded]);
      return;
    case 'PointerAdvanced':
      await db.query(sql.UPDATE_POINTER, [d.backupId, event.occurredAt, d.manifestKey, rerecorded]);
      await db.query(sql.UPSERT_LATEST, [d.backupId, d.manifestKey, d.previousManifestKey, event.occurredAt, String(event.globalPosition)]);
      return;
    case 'BackupFailed':
      await db.query(sql.UPDATE_FAILED, [d.backupId, event.occurredAt, d.step, d.errorClass, d.message]);
      return;
    case 'AdminsNotified':
      for (const r of d.recipients as { notificationId: string; userId: string }[]) {
        await db.query(sql.INSERT_ADMIN_NOTIFICATION, [r.notificationId, r.userId, d.kind, d.title, d.priority, event.streamId, event.occurredAt]);
      }
      return;
    case 'BackupKept':
      await db.query(sql.UPDATE_KEPT, [d.backupId, d.rules, event.occurredAt]);
      return;
    case 'BackupExpired':
      await db.query(sql.UPDATE_EXPIRED, [d.backupId, event.occurredAt]);
      return;
    case 'ObjectsReleased':
      await db.query(sql.UPDATE_RELEASED, [d.backupId, event.occurredAt, d.releasedObjects]);
      return;
    case 'ManifestUnreadable':
      await db.query(sql.UPDATE_MANIFEST_READABILITY, [d.backupId, event.occurredAt, d.problem]);
      return;
    case 'ManifestReadable':
      await db.query(sql.UPDATE_MANIFEST_READABILITY, [d.backupId, null, null]);
      return;
    case 'BackupDiscovered':
      await db.query(sql.INSERT_DISCOVERED, [d.backupId, d.sourceDatabase, d.createdAtUtc, d.dumpSizeBytes, d.chunkCount, d.manifestKey, d.producer === PRODUCER ? 'ours' : 'foreign']);
      return;
    default:
      await projectCopyEvent(db, event.type, d, event.occurredAt, event.metadata);
      return;
  }
}

// Dumped and Chunked carry no backup id of their own: their stream is the backup.
function backupIdOf(event: ProjectedEvent): string {
  return event.streamId;
}
