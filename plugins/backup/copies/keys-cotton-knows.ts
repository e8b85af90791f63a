import type { Pool } from 'pg';
import { COTTON_CHUNKS_PRESENT, KEYS_WITH_CHUNK_ROWS } from './sql';

const BATCH = 10_000;

/** The keys among `keys` that Cotton's chunks table has a row for; none in a database without the table. */
export async function keysCottonKnows(pool: Pool, keys: readonly string[]): Promise<Set<string>> {
  const known = new Set<string>();
  if (keys.length === 0) return known;
  const { rows } = await pool.query<{ present: boolean }>(COTTON_CHUNKS_PRESENT);
  if (!rows[0]?.present) return known;
  for (let i = 0; i < keys.length; i += BATCH) {
    const batch = await pool.query<{ key: string }>(KEYS_WITH_CHUNK_ROWS, [keys.slice(i, i + BATCH)]);
    for (const r of batch.rows) known.add(r.key);
  }
  return known;
}
