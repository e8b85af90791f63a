import type { Pool } from 'pg';
import * as sql from './sql';

/**
 * pg_restore runs in parallel (-j), so it cannot be one transaction: a crash mid-way would leave
 * tables behind that make the database look non-empty, and the next start would serve half a
 * database. The marker, created before pg_restore and dropped as the restore's very last step,
 * says "half-restored": such a database counts as empty and is wiped before the next restore.
 */
export async function markRestoreInProgress(pool: Pool): Promise<void> {
  await pool.query(sql.CREATE_RESTORE_MARKER);
}

export async function clearRestoreMarker(pool: Pool): Promise<void> {
  await pool.query(sql.DROP_RESTORE_MARKER);
}

export async function restoreWasInterrupted(pool: Pool): Promise<boolean> {
  const { rows } = await pool.query<{ present: boolean }>(sql.RESTORE_MARKER_PRESENT);
  return rows[0]!.present;
}
