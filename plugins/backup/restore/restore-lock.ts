import type { Pool } from 'pg';
import type { Held } from '../../../src/db/dedicated-connection';
import { trySessionLock } from '../../../src/db/session-lock';
import { RESTORE_UNLOCK, TRY_RESTORE_LOCK } from './sql';
import { BackupPluginError } from '../core/errors';

export class RestoreInProgressError extends BackupPluginError {
  constructor(database: string) {
    super('RESTORE_IN_PROGRESS', `another restore into database "${database}" is running (a second host or a CLI restore); wait for it to finish, then retry`);
    this.name = 'RestoreInProgressError';
  }
}

export class RestoreLockLostError extends BackupPluginError {
  constructor(cause: Error) {
    super('RESTORE_LOCK_LOST', `lost the database session holding the restore lock (${cause.message}); another restore may now start, so this one stops`, { cause });
    this.name = 'RestoreLockLostError';
  }
}

/** One restore per database: a session advisory lock on a connection held until release(); `lost` when its session is. */
export async function acquireRestoreLock(pool: Pool, database: string): Promise<Held> {
  const held = await trySessionLock(pool, { tryLock: TRY_RESTORE_LOCK, unlock: RESTORE_UNLOCK }, { lostError: (cause) => new RestoreLockLostError(cause) });
  if (!held) throw new RestoreInProgressError(database);
  return held;
}
