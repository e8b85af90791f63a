import type { Pool } from 'pg';
import * as sql from './sql';

/** Whether the event store exists and holds any event of the stream. */
export async function streamRecorded(pool: Pool, streamId: string): Promise<boolean> {
  const { rows } = await pool.query<{ present: boolean }>(sql.EVENT_STORE_PRESENT);
  if (!rows[0]!.present) return false;
  return (await pool.query<{ recorded: boolean }>(sql.STREAM_EXISTS, [streamId])).rows[0]!.recorded;
}
