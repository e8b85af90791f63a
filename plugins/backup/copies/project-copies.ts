import type { ClientBase } from 'pg';
import * as sql from './sql';

/** Folds the copy events into copy_targets and copied_backups (migration 007); false for any other event. */
export async function projectCopyEvent(db: ClientBase, type: string, d: Record<string, any>, occurredAt: Date): Promise<boolean> {
  switch (type) {
    case 'CopyStarted':
      await db.query(sql.COPY_STARTED, [d.target, occurredAt]);
      return true;
    case 'CopyCompleted':
      await db.query(sql.COPY_COMPLETED, [
        d.target, occurredAt, d.backupId, d.manifestKey, d.objectsSent, d.bytesSent, d.objectsSkipped, d.bytesSkipped, d.pointerAdvanced,
      ]);
      await db.query(sql.COPIED_BACKUP, [d.target, d.backupId, d.manifestKey, occurredAt]);
      return true;
    case 'CopyFailed':
      await db.query(sql.COPY_FAILED, [d.target, occurredAt, d.message]);
      return true;
    default:
      return false;
  }
}
