import type { Pool } from 'pg';
import type { ObjectStorage } from '../../../../src/storage/object-storage';
import { listKnownManifests } from '../../repository/backup-index';
import { BACKUPS_BY_EXPIRY } from './sql';

/**
 * `verify --all`: every kept backup, newest first: those the storage read knows (pointer, backup
 * index) and, on the primary, those the catalogue keeps (a backup the index no longer lists is
 * then reported missing, not skipped); less what retention expired.
 */
export async function backupsToVerify(pool: Pool, storage: ObjectStorage, masterEncryptionKey: Buffer, primary: boolean): Promise<string[]> {
  const ids = async (expired: boolean) => (await pool.query<{ backup_id: string }>(BACKUPS_BY_EXPIRY, [expired])).rows.map((r) => r.backup_id);
  const stored = (await listKnownManifests(storage, masterEncryptionKey)).map((k) => k.backupId);
  const expired = new Set(await ids(true));
  return [...new Set([...stored, ...(primary ? await ids(false) : [])])].filter((id) => !expired.has(id));
}
