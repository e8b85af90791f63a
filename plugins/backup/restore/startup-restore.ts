import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Clock } from '../../../src/contract/services';
import type { Journal } from '../projections/journal';
import { notifyRestoreCompleted } from '../notifications/restore-completed';
import { notifyRestoreRefused } from '../notifications/restore-refused';
import { appendCarriedEvents } from '../events/carry-over-events';
import { restoreTargetState } from './database-state';
import { rerecordBackupHistory } from './record-restore';
import { restoreBackup, type RestoreContext, type RestoreReport } from './restore-backup';
import { leftDatabaseSentence, RestoreAbortedError, TargetNotEmptyError } from './restore-errors';
import { restoreMarkerKey } from './restore-marker';
import { sweepStaleWorkFiles } from './work-dir';
import { RestoreRejectedError } from '../repository/restore-rejection';
import { recordNotified } from '../notifications/record-notified';
import { redactSecrets } from '../../../src/config/secrets';
import { BackupPluginError } from '../core/errors';

export class StartupRestoreError extends BackupPluginError {
  constructor(message: string, options?: ErrorOptions) {
    super('STARTUP_RESTORE_FAILED', message, options);
    this.name = 'StartupRestoreError';
  }
}

/**
 * The startup hook's work: restore the latest verified backup into a Cotton-empty database, or
 * fail closed (RestoreAbortedError). Returns the report for recording once the event store is
 * migrated, or undefined when nothing was done (restore disabled, or the database not empty).
 * A refusal that leaves a half-done restore in the database is not recorded there (it is not fit
 * to hold records): StartupRestoreError then says so.
 */
export async function startupRestore(
  ctx: RestoreContext,
  options: { enabled: boolean; fallback: 'none' | 'previous'; logger?: Logger },
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

/**
 * After migrations: events carried over from the empty database, the held restore events, the
 * re-recorded history of the restored backup, and (startup only) the admins' notification.
 */
export async function recordStartupRestore(
  pool: Pool,
  journal: Journal,
  clock: Clock,
  report: RestoreReport,
  options: { notify?: boolean; logger?: Logger } = {},
): Promise<void> {
  const stream = `restore-${report.restoreId}`;
  await appendCarriedEvents(journal, report.carried);
  await journal.append(stream, report.events, { expectedVersion: 'no_stream' });
  await rerecordBackupHistory(pool, journal, report.manifest, report.manifestKey, report.restoreId);
  if (options.notify === false) return;
  const notified = await notifyRestoreCompleted(pool, clock, {
    manifest: report.manifest,
    manifestKey: report.manifestKey,
    refusedNewer: report.refused.map((r) => r.message),
    sourceNote: report.sourceNote,
  });
  await recordNotified(journal, stream, notified, options.logger);
}

/**
 * What an operator reads when no backup could be restored: what was wrong, what to do. It also
 * becomes an admin notification, so every secret is redacted (a tool's message may quote one).
 */
export function refusalMessage(error: RestoreAbortedError, database: string, secrets: readonly string[] = []): string {
  const reason = error.reason;
  const rejection = reason instanceof RestoreRejectedError ? reason : undefined;
  const todo =
    rejection?.reason === 'no_pointer'
      ? 'check that COTTON_MASTER_KEY and COTTON_STORAGE_PATH are those of the deployment that made the backups'
      : rejection?.reason === 'pointer_behind'
        ? 'choose the backup: set COTTON_RESTORE_FALLBACK=previous to restore the newest backup that verifies (the newer one named above first), ' +
          'or restore a chosen one with `cotton-backup restore --backup <id>`'
      : rejection
        ? 'set COTTON_RESTORE_FALLBACK=previous to restore the newest backup that still verifies, ' +
          'or restore a chosen one with `cotton-backup restore --backup <id>`; the damaged object is named above'
        : 'fix the cause named above (pg_restore output, disk space, permissions), then start again';
  return redactSecrets(
    `Startup restore into database "${database}" failed: ${reason.message}. ` +
    `${leftDatabaseSentence(error, database)} The host did not start. ` +
    `What to do: ${todo}; ${error.databaseIsClean ? 'or set COTTON_RESTORE_DATABASE_IF_EMPTY=false to start with an empty database' : 'or drop and recreate the database to start with an empty one'}.`,
    secrets,
  );
}

/** Names the problem, not the attempt: the same refusal on every retry notifies the admins once. */
export function refusalFingerprint(error: RestoreAbortedError): string {
  const parts = error.refused.length
    ? error.refused.map((r) => `${r.reason}|${r.keys.manifestKey ?? ''}|${r.keys.chunkKey ?? ''}|${r.detail}`)
    : [`${error.reason.name}|${error.reason.message}`];
  return createHash('sha256').update(parts.join('\n')).digest('hex');
}

/**
 * A refused or failed restore: the events go into the (migrated, still Cotton-empty) event
 * store, admins are told if there are any, and the returned error says what to do.
 */
export async function recordRefusedRestore(
  pool: Pool,
  journal: Journal,
  clock: Clock,
  error: RestoreAbortedError,
  database = '',
  options: { secrets?: readonly string[]; logger?: Logger } = {},
): Promise<StartupRestoreError> {
  const message = refusalMessage(error, database, options.secrets);
  const stream = `restore-${error.restoreId}`;
  await appendCarriedEvents(journal, error.carried);
  if (error.events.length > 0) await journal.append(stream, error.events, { expectedVersion: 'no_stream' });
  const notified = await notifyRestoreRefused(pool, clock, { restoreId: error.restoreId, dedupKey: refusalFingerprint(error), message });
  await recordNotified(journal, stream, notified, options.logger);
  return new StartupRestoreError(message, { cause: error.reason });
}
