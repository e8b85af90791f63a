import type { NewEvent } from '../events';
import type { CarriedStream } from '../events/carry-over-events';
import type { MarkerClaim, MarkerState } from './restore-marker';
import { RestoreRejectedError } from '../repository/restore-rejection';
import { redactSecrets } from '../../../src/config/secrets';
import { BackupPluginError } from '../core/errors';

/**
 * What a failed restore left in the target database, so that no message claims an outcome that
 * did not happen: `untouched` (nothing was written: it is as it was), `wiped` (pg_restore had
 * written, then everything was dropped again), `not_wiped` (a wipe failed part-way, after
 * pg_restore or of an interrupted restore: the marker, dropped last, stays, so the next restore
 * wipes it once a backup has verified).
 */
export type LeftDatabase = 'untouched' | 'wiped' | 'not_wiped';

/** Thrown when no backup could be restored; carries the events to record and what the database was left as. */
export class RestoreAbortedError extends BackupPluginError {
  constructor(
    readonly reason: Error,
    readonly events: NewEvent[],
    readonly restoreId: string,
    readonly refused: RestoreRejectedError[] = [],
    readonly carried: CarriedStream[] = [],
    readonly left: LeftDatabase = 'untouched',
    /** The earlier, interrupted restore still in the database (left untouched: no backup verified). */
    readonly interrupted?: MarkerClaim,
  ) {
    super('RESTORE_ABORTED', reason.message, { cause: reason });
    this.name = 'RestoreAbortedError';
  }

  /** False when the database holds a half-done restore: not a place to migrate and record into. */
  get databaseIsClean(): boolean {
    return this.left === 'wiped' || (this.left === 'untouched' && !this.interrupted);
  }
}

/** What happened to the database, in one sentence that is true for this outcome. */
export function leftDatabaseSentence(error: RestoreAbortedError, database: string): string {
  switch (error.left) {
    case 'wiped':
      return `What pg_restore had written into database "${database}" was wiped again: it is empty.`;
    case 'not_wiped':
      return (
        `Database "${database}" could not be wiped completely: it still holds a half-done restore under its marker ` +
        'and is not fit to serve; the next restore wipes it once a backup has verified.'
      );
    case 'untouched':
      return error.interrupted
        ? `Database "${database}" was not touched: it still holds the half-done restore ${error.interrupted.restoreId} ` +
            `(of backup ${error.interrupted.backupId}), which is wiped only once a backup has verified; it is not fit to serve.`
        : `Nothing was written into database "${database}": it is as it was (empty by Cotton's rule).`;
  }
}

/** The target holds Cotton data, or a marker that proves nothing: a restore never touches it. */
export class TargetNotEmptyError extends BackupPluginError {
  constructor(
    readonly database: string,
    readonly marker?: MarkerState,
  ) {
    super('RESTORE_TARGET_NOT_EMPTY', 
      marker?.kind === 'unverified'
        ? `database "${database}" is treated as not empty and nothing was touched: ${marker.detail}. ` +
            'Its name alone never proves a half-done restore of ours. If the database is good, drop that schema ' +
            '(a role with CREATE on the database made it); if it really is a half-done restore made under another ' +
            'master key, drop and recreate the database, then restore'
        : `database "${database}" is not empty by Cotton's rule (it has applied migrations and a user or server settings); ` +
            'a restore only ever writes into an empty database: choose another --target-database, or drop and recreate this one first',
    );
    this.name = 'TargetNotEmptyError';
  }
}

export class StartupRestoreError extends BackupPluginError {
  constructor(message: string, options?: ErrorOptions) {
    super('STARTUP_RESTORE_FAILED', message, options);
    this.name = 'StartupRestoreError';
  }
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
