import type { ObjectStorage } from '../../../src/storage/object-storage';
import { readBackupIndex, type IndexEntry } from './backup-index';
import type { Pointer } from './pointer';

/**
 * The pointer is one mutable object: replaced by an older copy of itself (a rollback, by someone
 * with write access to the storage root, or a restored snapshot of it) it is still valid, and a
 * restore would quietly use an older backup. The backup index beside it is written before each
 * pointer advance, so it names every backup made since. Backups of the index created after the
 * pointer was written mean the pointer is behind: rolled back, or the backup that made them failed
 * before advancing it. Either way, which backup to trust is an explicit choice, never a quiet one.
 * Newest first; empty when the pointer is current.
 */
export async function backupsNewerThanPointer(storage: ObjectStorage, masterEncryptionKey: Buffer, pointer: Pointer): Promise<IndexEntry[]> {
  const pointerWritten = Date.parse(pointer.updatedAtUtc);
  const index = await readBackupIndex(storage, masterEncryptionKey).catch(() => [] as IndexEntry[]);
  return index.filter((e) => e.backupId !== pointer.latestBackupId && Date.parse(e.createdAtUtc) > pointerWritten);
}

/** Names both backups, so the operator can choose. */
export function pointerBehindDetail(pointer: Pointer, newer: readonly IndexEntry[]): string {
  const newest = newer[0]!;
  return (
    `the latest-backup pointer names backup ${pointer.latestBackupId} (pointer written ${pointer.updatedAtUtc}), but the backup index ` +
    `names ${newer.length} newer backup${newer.length === 1 ? '' : 's'}, the newest ${newest.backupId} (created ${newest.createdAtUtc}): ` +
    'the pointer was rolled back to an older copy, or the backup that made the newer one failed before advancing it'
  );
}
