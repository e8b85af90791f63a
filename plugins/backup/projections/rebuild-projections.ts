import type { Pool } from 'pg';
import { withTransaction } from '../../../src/db/with-transaction';
import { LOCK_AGAINST_APPENDS, READ_ALL_LOCKED } from '../events/sql';
import { decodeRows, type EventRow } from '../events/rows';
import { applyProjections } from './apply-projections';
import { TRUNCATE_PROJECTIONS } from './sql';

const PAGE = 5000;

/**
 * Throws the read models away and replays every event into them, in one transaction.
 * Appends are locked out for its duration (they wait, they do not fail): the global reader's
 * snapshot rule holds events back while any transaction on the server is open, so a rebuild
 * that trusted it could stop early and leave the read models short.
 */
export async function rebuildProjections(pool: Pool): Promise<number> {
  return withTransaction(pool, async (client) => {
    await client.query(LOCK_AGAINST_APPENDS);
    await client.query(TRUNCATE_PROJECTIONS);
    let replayed = 0;
    let after = '0';
    for (;;) {
      const { rows } = await client.query<EventRow>(READ_ALL_LOCKED, [after, PAGE]);
      // An invalid stored event is skipped (and recorded), not replayed: see decodeRows.
      const events = await decodeRows(client, rows);
      for (const event of events) await applyProjections(client, event);
      replayed += events.length;
      if (rows.length < PAGE) return replayed;
      after = rows.at(-1)!.global_position;
    }
  });
}
