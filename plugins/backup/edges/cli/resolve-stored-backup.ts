import type { ObjectStorage } from '../../../../src/storage/object-storage';
import { listKnownManifests } from '../../repository/backup-index';
import { unknownBackupDetail } from '../../restore/find-candidates';
import { resolveBackupId } from './resolve-backup-id';

/**
 * A `--backup <id or prefix>` of a command that reads the backup from `storage` (restore, verify,
 * drill): resolved among the backups the pointer and the backup index there know, before anything
 * is created.
 */
export async function resolveStoredBackup(storage: ObjectStorage, masterEncryptionKey: Buffer, given: string, command: string): Promise<string> {
  const known = await listKnownManifests(storage, masterEncryptionKey);
  return resolveBackupId(given, known.map((k) => k.backupId), command, (id) => unknownBackupDetail(id, known.length));
}
