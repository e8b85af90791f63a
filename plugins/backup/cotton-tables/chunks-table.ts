import type { ClientBase, Pool } from 'pg';
import { CHUNKS_TABLE_PRESENT } from './sql';

/** Whether Cotton's chunks table (with gc_scheduled_after) is there to pin in. */
export async function hasChunksTable(db: Pool | ClientBase): Promise<boolean> {
  const { rows } = await db.query<{ present: boolean }>(CHUNKS_TABLE_PRESENT);
  return rows[0]?.present === true;
}
