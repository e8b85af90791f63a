import type { Pool } from 'pg';
import { readAll } from '../events';
import { applyProjections } from './apply-projections';
import { TRUNCATE_PROJECTIONS } from './sql';

/**
 * Throws the read models away and replays every event into them, in one transaction. The
 * global reader only returns events of ended transactions, in commit-safe order.
 */
export async function rebuildProjections(pool: Pool): Promise<number> {
  const client = await pool.connect();
  let replayed = 0;
  try {
    await client.query('BEGIN');
    await client.query(TRUNCATE_PROJECTIONS);
    let after = null;
    for (;;) {
      // Read with the pool: inside this transaction's snapshot the reader would not advance.
      const page = await readAll(pool, { after, limit: 5000 });
      for (const event of page.events) await applyProjections(client, event);
      replayed += page.events.length;
      if (page.events.length === 0) break;
      after = page.checkpoint;
    }
    await client.query('COMMIT');
    return replayed;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
