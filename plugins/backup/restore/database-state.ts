import type { Pool } from 'pg';
import * as sql from './sql';

/** True when Cotton would call this database empty; our own schemas and pg-boss's do not count. */
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

/**
 * Puts a database that a failed pg_restore left half-filled back to empty: every user schema
 * dropped, `public` recreated. Only ever called on a database that was empty before the restore.
 */
export async function wipeDatabase(pool: Pool): Promise<void> {
  const { rows } = await pool.query<{ name: string }>(sql.USER_SCHEMAS);
  for (const { name } of rows) await pool.query(`DROP SCHEMA IF EXISTS "${name.replaceAll('"', '""')}" CASCADE`);
  await pool.query('CREATE SCHEMA IF NOT EXISTS public');
}

export async function ensureExtensions(pool: Pool, extensions: readonly string[]): Promise<void> {
  for (const name of extensions) {
    if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`invalid extension name "${name}"`);
    await pool.query(`CREATE EXTENSION IF NOT EXISTS "${name}"`);
  }
}

/** The extensions of the list that are missing. */
export async function missingExtensions(pool: Pool, extensions: readonly string[]): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>(sql.INSTALLED_EXTENSIONS, [extensions]);
  const installed = new Set(rows.map((r) => r.name));
  return extensions.filter((e) => !installed.has(e));
}
