import type { Logger } from 'pino';
import { restoreTargetState } from './database-state';
import { restoreBackup, type RestoreContext, type RestoreReport } from './restore-backup';
import { RestoreAbortedError, refusalMessage, StartupRestoreError, TargetNotEmptyError } from './restore-errors';
import { restoreMarkerKey } from './restore-marker';
import { sweepStaleWorkFiles } from './work-dir';
import type { RestoreFallback } from '../settings/backup-settings';

/**
 * The startup restore from one storage: restore the latest verified backup into a Cotton-empty database, or
 * fail closed (RestoreAbortedError). Returns the report for recording once the event store is
 * migrated, or undefined when nothing was done (restore disabled, or the database not empty).
 * A refusal that leaves a half-done restore in the database is not recorded there (it is not fit
 * to hold records): StartupRestoreError then says so.
 */
export async function restoreFromStorage(
  ctx: RestoreContext,
  options: { enabled: boolean; fallback: RestoreFallback; logger?: Logger },
): Promise<RestoreReport | undefined> {
  // Plaintext a killed restore left: swept at every start, restore enabled or not.
  const swept = await sweepStaleWorkFiles(ctx.workDir);
  if (swept.length > 0) options.logger?.warn({ files: swept }, 'startup: removed plaintext dump files left by restores that were killed');
  if (!options.enabled) return undefined;
  const target = await restoreTargetState(ctx.pool, restoreMarkerKey(ctx.masterEncryptionKey));
  if (!target.empty) {
    if (target.marker.kind === 'unverified') {
      options.logger?.warn({ database: ctx.target.database }, new TargetNotEmptyError(ctx.target.database, target.marker).message);
    } else {
      options.logger?.info({ database: ctx.target.database }, 'startup restore: the database is not empty; nothing to restore');
    }
    return undefined;
  }
  options.logger?.warn({ database: ctx.target.database }, 'startup restore: the database is empty; restoring the latest verified backup');
  let report: RestoreReport;
  try {
    report = await restoreBackup(ctx, { trigger: 'startup', fallback: options.fallback });
  } catch (error) {
    // Someone else (a second host) restored it between our check and our lock.
    if (error instanceof TargetNotEmptyError) return undefined;
    if (error instanceof RestoreAbortedError && !error.databaseIsClean) {
      options.logger?.error({ events: error.events }, 'startup restore failed; its events are not recorded in the half-restored database');
      throw new StartupRestoreError(
        `${refusalMessage(error, ctx.target.database, ctx.secrets)} The refusal is not recorded in the database (it holds a half-done restore); its events are in this log.`,
        { cause: error.reason },
      );
    }
    throw error;
  }
  if (report.refused.length > 0) {
    options.logger?.warn(
      { used: report.backupId, refused: report.refused.map((r) => r.message) },
      `startup restore: the latest-backup pointer's backup was not used as it was (${report.refused.map((r) => r.reason).join(', ')}); ` +
        `restored the newest backup that verified, ${report.backupId} (created ${report.manifest.createdAtUtc})`,
    );
  }
  options.logger?.info({ backupId: report.backupId, bytes: report.bytes }, 'startup restore: restored');
  return report;
}
