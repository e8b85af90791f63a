import type { Pool, PoolClient } from 'pg';
import { NEWEST_SERVER_TIMEZONE, SERVER_SETTINGS_PRESENT } from './sql';

/** Cotton's configured time zone as written (newest server_settings row); undefined without a table, a row or a value. */
export async function readCottonTimeZone(db: Pool | PoolClient): Promise<string | undefined> {
  const exists = await db.query<{ present: boolean }>(SERVER_SETTINGS_PRESENT);
  if (!exists.rows[0]?.present) return undefined;
  const { rows } = await db.query<{ timezone: string | null }>(NEWEST_SERVER_TIMEZONE);
  return rows[0]?.timezone?.trim() || undefined;
}
