import { recordVerification } from '../verify/record-verification';
import type { Pool } from 'pg';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import { pointerStorageKey } from '../../../src/keys/keys';
import { verifyBackup, type VerificationReport, type VerifyOptions } from '../verify/verify-backup';
import { targetBehindRecord } from './target-behind-record';
import type { CopyContext } from './copy-context';
import { openTargetFor } from './open-target';
import { notifyCopyOverdue } from './copy-overdue';

/**
 * The scheduled verification's second half: the latest backup of every copy target, read end to
 * end with the master key, recorded with the target's name (admins told on failure; the next copy
 * replaces what it found damaged). A target that cannot be opened or read is reported, not thrown.
 */
export async function verifyTargets(ctx: CopyContext): Promise<{ target: string; report: VerificationReport }[]> {
  const out: { target: string; report: VerificationReport }[] = [];
  for (const target of ctx.settings.targets) {
    const opened = await openTargetFor(ctx, target);
    try {
      const report = await verifyCopy(ctx.pool, target.name, opened.storage, ctx.masterEncryptionKey);
      await recordVerification(ctx.pool, ctx.journal, report, { secrets: ctx.secrets, trigger: 'schedule', target: target.name });
      if (report.problems.length > 0) ctx.logger?.error({ target: target.name, backupId: report.backupId, problems: report.problems.length }, 'scheduled verification of a copy target failed');
      else ctx.logger?.info({ target: target.name, backupId: report.backupId }, 'scheduled verification of a copy target passed');
      out.push({ target: target.name, report });
    } finally {
      await opened.close();
    }
    // Copies only run after a backup that succeeded: a target stuck behind failing backups is found here.
    await notifyCopyOverdue(ctx, target.name);
  }
  return out;
}

/**
 * A copy's latest backup read end to end, and the target checked against this database's record
 * of what was copied there: older bytes put back in its pointer or index verify on their own, and
 * only the record tells that the target is behind (a `pointer_behind` problem).
 */
export async function verifyCopy(pool: Pool, target: string, storage: ObjectStorage, masterEncryptionKey: Buffer, options: VerifyOptions = {}): Promise<VerificationReport> {
  const report = await verifyBackup(storage, masterEncryptionKey, options);
  const behind = await targetBehindRecord(pool, target, storage, masterEncryptionKey);
  if (behind) report.problems.push({ key: pointerStorageKey(masterEncryptionKey), problem: 'pointer_behind', detail: `copy target ${target}: ${behind}` });
  return report;
}
