import type { Pool } from 'pg';
import { resolveBackupId } from './resolve-backup-id';
import { CATALOGUED_BACKUP_IDS } from './sql';

/**
 * A backup id or prefix of a command that reads the catalogue rather than storage (audit, info,
 * forget): resolved among every backup the database records, failed ones and Cotton's own included.
 */
export async function resolveCataloguedBackup(pool: Pool, given: string, command: string): Promise<string> {
  const { rows } = await pool.query<{ backup_id: string }>(CATALOGUED_BACKUP_IDS);
  return resolveBackupId(given, rows.map((r) => r.backup_id), command, (id) => `no backup ${id} in this database's history (${rows.length} backups recorded)`);
}
