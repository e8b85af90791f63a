import { createHash } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Clock } from '../../../src/host/services';
import type { Journal } from '../projections/journal';
import { notifyRestoreCompleted } from '../notifications/restore-completed';
import { notifyRestoreRefused } from '../notifications/restore-refused';
import { appendCarriedEvents } from './carry-over-events';
import { isCottonDatabaseEmpty } from './database-state';
import { rerecordBackupHistory } from './record-restore';
import { restoreBackup, RestoreAbortedError, TargetNotEmptyError, type RestoreContext, type RestoreReport } from './restore-backup';
import { RestoreRejectedError } from './restore-rejection';

export class StartupRestoreError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StartupRestoreError';
  }
}

/** Temp dump files of a restore that crashed: plaintext, so never left behind. */
export async function sweepRestoreWorkDir(workDir: string): Promise<void> {
  const entries = await readdir(workDir).catch(() => [] as string[]);
  await Promise.all(entries.filter((e) => e.endsWith('.dump')).map((e) => rm(join(workDir, e), { force: true })));
}

/**
 * The startup hook's work: restore the latest verified backup into a Cotton-empty database, or
 * fail closed (RestoreAbortedError). Returns the report for recording once the event store is
 * migrated, or undefined when nothing was done (restore disabled, or the database not empty).
 */
export async function startupRestore(
  ctx: RestoreContext,
  options: { enabled: boolean; fallback: 'none' | 'previous'; logger?: Logger },
): Promise<RestoreReport | undefined> {
  if (!options.enabled) return undefined;
  await sweepRestoreWorkDir(ctx.workDir);
  if (!(await isCottonDatabaseEmpty(ctx.pool))) {
    options.logger?.info({ database: ctx.target.database }, 'startup restore: the database is not empty; nothing to restore');
    return undefined;
  }
  options.logger?.warn({ database: ctx.target.database }, 'startup restore: the database is empty; restoring the latest verified backup');
  let report: RestoreReport;
  try {
    report = await restoreBackup(ctx, { trigger: 'startup', fallback: options.fallback });
  } catch (error) {
    // Someone else (a second host) restored it between our check and our lock.
    if (error instanceof TargetNotEmptyError) return undefined;
    throw error;
  }
  if (report.refused.length > 0) {
    options.logger?.warn(
      { used: report.backupId, refused: report.refused.map((r) => r.message) },
      `startup restore: newer backups were refused; restored the newest backup that verified, ${report.backupId} (created ${report.manifest.createdAtUtc})`,
    );
  }
  options.logger?.info({ backupId: report.backupId, bytes: report.bytes }, 'startup restore: restored');
  return report;
}

/**
 * After migrations: events carried over from the empty database, the held restore events, the
 * re-recorded history of the restored backup, and (startup only) the admins' notification.
 */
export async function recordStartupRestore(pool: Pool, journal: Journal, clock: Clock, report: RestoreReport, options: { notify?: boolean } = {}): Promise<void> {
  const stream = `restore-${report.restoreId}`;
  await appendCarriedEvents(journal, report.carried);
  await journal.append(stream, report.events, { expectedVersion: 'no_stream' });
  await rerecordBackupHistory(pool, journal, report.manifest, report.manifestKey, report.restoreId);
  if (options.notify === false) return;
  const notified = await notifyRestoreCompleted(pool, clock, {
    manifest: report.manifest,
    manifestKey: report.manifestKey,
    refusedNewer: report.refused.map((r) => r.message),
  });
  if (notified) await journal.append(stream, [notified]);
}

/** What an operator reads when no backup could be restored: what was wrong, what to do. */
export function refusalMessage(error: RestoreAbortedError, database: string): string {
  const reason = error.reason;
  const rejection = reason instanceof RestoreRejectedError ? reason : undefined;
  const todo =
    rejection?.reason === 'no_pointer'
      ? 'check that COTTON_MASTER_KEY and COTTON_STORAGE_PATH are those of the deployment that made the backups'
      : rejection
        ? 'set COTTON_RESTORE_FALLBACK=previous to restore the newest backup that still verifies, ' +
          'or restore a chosen one with `cotton-backup restore --backup <id>`; the damaged object is named above'
        : 'fix the cause named above (pg_restore output, disk space, permissions), then start again';
  return (
    `Startup restore into database "${database}" failed: ${reason.message}. ` +
    'The database was left empty and the host did not start. ' +
    `What to do: ${todo}; or set COTTON_RESTORE_DATABASE_IF_EMPTY=false to start with an empty database.`
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
export async function recordRefusedRestore(pool: Pool, journal: Journal, clock: Clock, error: RestoreAbortedError, database = ''): Promise<StartupRestoreError> {
  const message = refusalMessage(error, database);
  const stream = `restore-${error.restoreId}`;
  await appendCarriedEvents(journal, error.carried);
  if (error.events.length > 0) await journal.append(stream, error.events, { expectedVersion: 'no_stream' });
  const notified = await notifyRestoreRefused(pool, clock, { restoreId: error.restoreId, dedupKey: refusalFingerprint(error), message });
  if (notified) await journal.append(stream, [notified]);
  return new StartupRestoreError(message, { cause: error.reason });
}
