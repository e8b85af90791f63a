import type { Pool } from 'pg';
import { holdOnDedicatedConnection, type Held } from '../../../src/db/dedicated-connection';
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
  return holdOnDedicatedConnection(
    pool,
    async (client) => {
      const { rows } = await client.query<{ locked: boolean }>(TRY_RESTORE_LOCK);
      if (!rows[0]!.locked) throw new RestoreInProgressError(database);
    },
    (client) => client.query(RESTORE_UNLOCK),
    { lostError: (cause) => new RestoreLockLostError(cause) },
  );
}
