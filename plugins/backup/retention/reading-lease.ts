import type { Pool } from 'pg';
import { holdOnDedicatedConnection } from '../../../src/db/dedicated-connection';
import { READ_LEASE, READ_LEASE_END } from './sql';

export interface ReadingLease {
  release(): Promise<void>;
}

/**
 * Marks a backup as being read (a restore or verification by id) for as long as the lease is held:
 * retention keeps it ('in-use') instead of expiring it under the reader. A session-level shared
 * advisory lock on a connection of its own, so a crashed reader's lease ends with its session.
 */
export async function holdBackupForReading(pool: Pool, backupId: string): Promise<ReadingLease> {
  return holdOnDedicatedConnection(
    pool,
    async (client) => void (await client.query(READ_LEASE, [backupId])),
    (client) => client.query(READ_LEASE_END, [backupId]),
  );
}

/** Runs `read` with the backup leased; no lease without an id (the latest is always kept anyway). */
export async function whileReading<T>(pool: Pool, backupId: string | undefined, read: () => Promise<T>): Promise<T> {
  if (!backupId) return read();
  const lease = await holdBackupForReading(pool, backupId);
  try {
    return await read();
  } finally {
    await lease.release();
  }
}
