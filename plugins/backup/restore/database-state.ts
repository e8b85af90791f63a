import type { Pool } from 'pg';
import * as sql from './sql';
import { readRestoreMarker, type MarkerState } from './restore-marker';
import { isCottonDatabaseEmpty } from '../cotton-tables/cotton-empty';

export { isCottonDatabaseEmpty };

/**
 * Whether a restore may write into this database. Our own half-done restore (a marker that
 * verifies) counts as empty: it is not fit to serve. A marker that does not verify makes it count
 * as not empty, whatever Cotton's rule says: nothing proves it is ours to overwrite.
 */
export async function restoreTargetState(pool: Pool, markerKey: Buffer): Promise<{ empty: boolean; marker: MarkerState }> {
  const marker = await readRestoreMarker(pool, markerKey);
  if (marker.kind === 'verified') return { empty: true, marker };
  if (marker.kind === 'unverified') return { empty: false, marker };
  return { empty: await isCottonDatabaseEmpty(pool), marker };
}

/**
 * Puts a database whose restore failed after pg_restore had committed back to empty: every
 * user schema dropped, `public` recreated. Only ever called on a database that was Cotton-empty
 * before the restore, or that holds our own verified half-restored marker, and only once a
 * verified dump is in hand: nothing of value is lost and the next start retries the restore.
 */
export async function wipeDatabase(pool: Pool): Promise<void> {
  const { rows } = await pool.query<{ name: string }>(sql.USER_SCHEMAS);
  for (const { name } of rows) await pool.query(sql.dropSchema(name));
  await pool.query(sql.RECREATE_PUBLIC);
}

const EXTENSION_NAME = /^[a-z0-9_]+$/;

/** Cotton's extensions (citext, hstore) must exist before pg_restore replays a schema using their types. */
export async function ensureExtensions(pool: Pool, extensions: readonly string[]): Promise<void> {
  for (const name of extensions) {
    if (!EXTENSION_NAME.test(name)) throw new Error(`invalid extension name "${name}" in COTTON_RESTORE_EXTENSIONS`);
    await pool.query(sql.createExtension(name));
  }
}

/** The extensions of the list that are missing. */
export async function missingExtensions(pool: Pool, extensions: readonly string[]): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>(sql.INSTALLED_EXTENSIONS, [extensions]);
  const installed = new Set(rows.map((r) => r.name));
  return extensions.filter((e) => !installed.has(e));
}
