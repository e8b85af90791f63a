import type { Pool } from 'pg';
import { holdOnDedicatedConnection } from '../../../src/db/dedicated-connection';
import { RESTORE_UNLOCK, TRY_RESTORE_LOCK } from './sql';

export class RestoreInProgressError extends Error {
  constructor(database: string) {
    super(`another restore into database "${database}" is running (a second host or a CLI restore); wait for it to finish, then retry`);
    this.name = 'RestoreInProgressError';
  }
}

/** One restore per database: a session advisory lock on a connection held until release(). */
export async function acquireRestoreLock(pool: Pool, database: string): Promise<{ release(): Promise<void> }> {
  return holdOnDedicatedConnection(
    pool,
    async (client) => {
      const { rows } = await client.query<{ locked: boolean }>(TRY_RESTORE_LOCK);
      if (!rows[0]!.locked) throw new RestoreInProgressError(database);
    },
    (client) => client.query(RESTORE_UNLOCK),
  );
}
