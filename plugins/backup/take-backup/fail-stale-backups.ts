import type { Pool } from 'pg';
import type { Journal } from '../projections/journal';
import { SELECT_RUNNING } from '../projections/sql';
import { acquireBackupLock, BackupAlreadyRunningError } from './backup-lock';

/**
 * Runs marked "running" while the caller holds the backup lock cannot be running: their
 * process died (crash, kill -9, power loss). Each is closed with BackupFailed(step "stale"),
 * so nothing stays in progress forever.
 */
export async function failStaleBackups(pool: Pool, journal: Journal): Promise<string[]> {
  const { rows } = await pool.query<{ backup_id: string }>(SELECT_RUNNING);
  for (const { backup_id: backupId } of rows) {
    await journal.append(backupId, [
      {
        type: 'BackupFailed',
        data: { backupId, step: 'stale', errorClass: 'StaleBackup', message: 'the process running this backup ended before it finished' },
      },
    ]);
  }
  return rows.map((r) => r.backup_id);
}

/**
 * The same, for a process that is not about to back up: when no one holds the backup lock, every
 * "running" run is dead. Without this, requests linked to a run whose process died (a server
 * restart mid-backup, BackupFailed never written) would wait for a backup that never ends.
 * failStaleBackups reads the runs again under the lock, so a run that ended meanwhile is left be.
 */
export async function closeStaleRunsIfIdle(pool: Pool, journal: Journal, database: string): Promise<string[]> {
  // The lock only when there is a run to close: taken on every poll just to look, it refused any
  // backup that started in that moment as "already running" with nothing running.
  if ((await pool.query(SELECT_RUNNING)).rowCount === 0) return [];
  let lock;
  try {
    lock = await acquireBackupLock(pool, database);
  } catch (error) {
    if (error instanceof BackupAlreadyRunningError) return [];
    throw error;
  }
  try {
    return await failStaleBackups(pool, journal);
  } finally {
    await lock.release();
  }
}
