import type { ClientBase } from 'pg';
import * as sql from './sql';

/**
 * Folds the copy events into copy_targets and copied_backups (migration 007), and a verification
 * of a target (metadata.target) into its damaged keys; false for any other event.
 */
export async function projectCopyEvent(db: ClientBase, type: string, d: Record<string, any>, occurredAt: Date, metadata?: Record<string, unknown>): Promise<boolean> {
  const verifiedTarget = typeof metadata?.target === 'string' ? metadata.target : undefined;
  switch (type) {
    case 'Verified':
    case 'VerificationFailed':
      if (!verifiedTarget) return false;
      await db.query(sql.TARGET_VERIFIED, [verifiedTarget, occurredAt, type === 'Verified' ? [] : (d.problems as { key: string }[]).map((p) => p.key)]);
      return true;
    case 'CopyStarted':
      await db.query(sql.COPY_STARTED, [d.target, occurredAt]);
      return true;
    case 'CopyCompleted':
      await db.query(sql.COPY_COMPLETED, [
        d.target, occurredAt, d.backupId, d.manifestKey, d.objectsSent, d.bytesSent, d.objectsSkipped, d.bytesSkipped, d.pointerAdvanced,
      ]);
      await db.query(sql.COPIED_BACKUP, [d.target, d.backupId, d.manifestKey, occurredAt]);
      if (d.repairedKeys?.length) await db.query(sql.DAMAGE_REPAIRED, [d.target, d.repairedKeys]);
      return true;
    case 'TargetPruned':
      await db.query(sql.TARGET_PRUNED, [d.target, occurredAt, d.deletedObjects, d.bytesFreed]);
      await db.query(sql.FORGET_COPIED_BACKUPS, [d.target, d.expiredBackupIds]);
      return true;
    case 'CopyFailed':
      await db.query(sql.COPY_FAILED, [d.target, occurredAt, d.message]);
      return true;
    default:
      return false;
  }
}
