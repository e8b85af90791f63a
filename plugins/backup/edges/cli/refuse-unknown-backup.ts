import type { ObjectStorage } from '../../../../src/storage/object-storage';
import { UnknownBackupError } from '../../core/errors';
import { listKnownManifests } from '../../repository/backup-index';
import { unknownBackupDetail } from '../../restore/find-candidates';

/**
 * `--backup <id>` that neither the pointer nor the backup index knows: refused before anything is
 * created, with the one exit code every command gives it (UNKNOWN_BACKUP, 4).
 */
export async function refuseUnknownBackup(storage: ObjectStorage, masterEncryptionKey: Buffer, backupId: string, command: string): Promise<void> {
  const known = await listKnownManifests(storage, masterEncryptionKey);
  if (known.some((k) => k.backupId === backupId)) return;
  throw new UnknownBackupError(`${command} refused: ${unknownBackupDetail(backupId, known.length)}; nothing was created or changed. \`cotton-backup list\` shows the backups`);
}
