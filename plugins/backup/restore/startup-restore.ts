import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Clock } from '../../../src/host/services';
import type { Journal } from '../projections/journal';
import { isCottonDatabaseEmpty } from './database-state';
import { restoreBackup, RestoreAbortedError, type RestoreContext, type RestoreReport } from './restore-backup';
import { notifyRestoreCompleted, notifyRestoreRefused, rerecordBackupHistory } from './record-restore';

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
 * The startup hook's work: restore the latest verified backup into an empty database, or fail
 * closed. Returns the report for recording once the event store is migrated, or undefined when
 * nothing was done (restore disabled, or the database is not empty).
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
  options.logger?.warn({ database: ctx.target.database }, 'startup restore: the database is empty; restoring the latest backup');
  const report = await restoreBackup(ctx, { trigger: 'startup', fallback: options.fallback });
  if (report.refused.length > 0) {
    options.logger?.warn(
      { used: report.backupId, refused: report.refused.map((r) => r.message) },
      `startup restore: newer backups were refused; restored the previous verified backup ${report.backupId}`,
    );
  }
  return report;
}

/** After migrations: the held events, the re-recorded history, and the admins' notification. */
export async function recordStartupRestore(pool: Pool, journal: Journal, clock: Clock, report: RestoreReport): Promise<void> {
  await journal.append(`restore-${report.restoreId}`, report.events, { expectedVersion: 'no_stream' });
  await rerecordBackupHistory(pool, journal, report.manifest, report.manifestKey, report.restoreId);
  const notified = await notifyRestoreCompleted(pool, clock, report.manifest, report.manifestKey);
  if (notified) await journal.append(`restore-${report.restoreId}`, [notified]);
}

/**
 * A refused or failed restore: the events go into the (migrated, still Cotton-empty) event
 * store, admins are told if there are any, and the error says what to do.
 */
export async function recordRefusedRestore(pool: Pool, journal: Journal, clock: Clock, error: RestoreAbortedError): Promise<StartupRestoreError> {
  const message =
    `Startup restore failed: ${error.reason.message}. The database was left empty and the host will not start. ` +
    'What to do: check COTTON_MASTER_KEY and COTTON_STORAGE_PATH point at the deployment that made the backups; ' +
    'run `cotton-backup verify` to see which objects are damaged; set COTTON_RESTORE_FALLBACK=previous to use the newest backup that verifies; ' +
    'or set COTTON_RESTORE_DATABASE_IF_EMPTY=false to start with an empty database.';
  if (error.events.length > 0) await journal.append(`restore-${error.restoreId}`, error.events, { expectedVersion: 'no_stream' });
  const notified = await notifyRestoreRefused(pool, clock, error.restoreId, message).catch(() => undefined);
  if (notified) await journal.append(`restore-${error.restoreId}`, [notified]);
  return new StartupRestoreError(message, { cause: error.reason });
}
