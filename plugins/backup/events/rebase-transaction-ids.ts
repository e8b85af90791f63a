import type { Pool } from 'pg';
import * as sql from './sql';
import { withTransaction } from '../../../src/db/with-transaction';

/**
 * After a restore: events written on another server may carry transaction ids at or above this
 * server's, which the global reader would hide (see sql.TRANSACTION_IDS_AHEAD). Rebases them
 * below the current xid, keeping their order, in one transaction with the update guard lifted
 * only inside it (DDL is transactional: a failure leaves the guard on). Returns the number of
 * events rebased, 0 when nothing was needed or there is no event store (a dump of Cotton's own).
 */
export async function rebaseRestoredTransactionIds(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ present: boolean }>(sql.EVENT_STORE_PRESENT);
  if (!rows[0]!.present) return 0;
  return withTransaction(pool, async (client) => {
    const ahead = await client.query<{ ahead: boolean }>(sql.TRANSACTION_IDS_AHEAD);
    if (!ahead.rows[0]!.ahead) return 0;
    await client.query(sql.DISABLE_EVENTS_UPDATE_GUARD);
    const updated = await client.query(sql.REBASE_TRANSACTION_IDS);
    await client.query(sql.ENABLE_EVENTS_UPDATE_GUARD);
    return updated.rowCount ?? 0;
  });
}
