import type { Pool } from 'pg';
import * as sql from './sql';

/**
 * Cotton's rule for "empty" (COTTON.md §5): no applied migrations, or no row in users and none
 * in server_settings. Only Cotton's own tables are asked, so our schemas (cotton_backup,
 * cotton_host) and pg-boss's never make a database count as non-empty.
 */
export async function isCottonDatabaseEmpty(pool: Pool): Promise<boolean> {
  const { rows } = await pool.query<{ migrations: boolean; users: boolean; settings: boolean }>(sql.COTTON_TABLES_PRESENT);
  const present = rows[0]!;
  if (!present.migrations) return true;
  const migrations = await pool.query<{ n: number }>(sql.COUNT_MIGRATIONS);
  if (migrations.rows[0]!.n === 0) return true;
  const users = present.users ? (await pool.query<{ present: boolean }>(sql.ANY_USER)).rows[0]!.present : false;
  const settings = present.settings ? (await pool.query<{ present: boolean }>(sql.ANY_SETTINGS)).rows[0]!.present : false;
  return !users && !settings;
}
