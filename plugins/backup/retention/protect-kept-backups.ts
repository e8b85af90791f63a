import type { ClientBase } from 'pg';
import type { Logger } from 'pino';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import { hasChunksTable } from '../cotton-tables/chunks-table';
import { pinObjects } from '../cotton-tables/pin-objects';
import { releaseObjects } from '../cotton-tables/release-objects';
import { pinFileChunks } from '../file-chunks/pin-file-chunks';
import { releaseFileChunks } from '../file-chunks/release-file-chunks';
import { backupIndexKey } from '../repository/backup-index';
import { objectsOfBackup } from './backup-objects';
import { UNRELEASED_EXPIRED } from './sql';

export interface ProtectionReport {
  /** False when the database has no Cotton chunks table: nothing to protect, nothing pinned. */
  chunksTable: boolean;
  /** Distinct objects of the kept backups (manifests, chunks, the backup index). */
  keptObjects: number;
  /** chunks rows written by this pin (rows already pinned are not rewritten). */
  pinnedRows: number;
  /** Of them, file chunks a kept backup's database referenced that no live file does any more. */
  pinnedFileChunks: number;
  /** Expired backups handed back to Cotton's GC in this run (releasedObjects counts their file chunks too). */
  released: { backupId: string; releasedObjects: number; sharedObjects: number }[];
  /** Kept backups whose manifest could not be read: their objects are unknown, so nothing was released. */
  unreadable: { backupId: string; manifestKey: string; message: string }[];
}

export interface ProtectionInputs {
  storage: ObjectStorage;
  masterEncryptionKey: Buffer;
  kept: readonly { backupId: string; manifestKey: string }[];
  now: Date;
  logger?: Logger;
}

/**
 * Pins every object of every kept backup in Cotton's chunks table, and the file chunks their
 * databases referenced that no live file does now (a restore of them lists those files), then
 * releases the objects and file chunks of expired backups that no kept backup uses. Runs on the
 * caller's connection inside its transaction (under the retention lock); the caller records
 * ObjectsReleased after commit.
 */
export async function protectKeptBackups(db: ClientBase, inputs: ProtectionInputs): Promise<ProtectionReport> {
  const { storage, kept, logger } = inputs;
  const keptKeys = new Set<string>([backupIndexKey(inputs.masterEncryptionKey)]);
  const unreadable: ProtectionReport['unreadable'] = [];
  for (const backup of kept) {
    try {
      for (const key of (await objectsOfBackup(storage, backup.manifestKey)).keys) keptKeys.add(key);
    } catch (error) {
      unreadable.push({ ...backup, message: (error as Error).message });
    }
  }
  const report: ProtectionReport = { chunksTable: await hasChunksTable(db), keptObjects: keptKeys.size, pinnedRows: 0, pinnedFileChunks: 0, released: [], unreadable };
  for (const u of unreadable) logger?.error({ backupId: u.backupId, manifestKey: u.manifestKey, err: u.message }, 'a kept backup\'s manifest is unreadable: its chunks cannot be pinned');
  const expired = (await db.query<{ backup_id: string; manifest_key: string }>(UNRELEASED_EXPIRED)).rows;
  if (!report.chunksTable) {
    // Nothing was ever pinned here; the expired backups are "released" trivially.
    report.released = expired.map((e) => ({ backupId: e.backup_id, releasedObjects: 0, sharedObjects: 0 }));
    return report;
  }
  const keptIds = kept.map((k) => k.backupId);
  report.pinnedFileChunks = await pinFileChunks(db, keptIds, inputs.now);
  report.pinnedRows = (await pinObjects(db, keptKeys, inputs.now)) + report.pinnedFileChunks;
  if (unreadable.length > 0) return report; // a release now could free a chunk the unreadable backup needs
  for (const e of expired) {
    // Its manifest is still pinned until this release, so it is normally readable; if not, only
    // the manifest itself is known to be its own.
    const objects = await objectsOfBackup(storage, e.manifest_key).then((o) => o.keys, () => [e.manifest_key]);
    const own = objects.filter((k) => !keptKeys.has(k));
    const releasedObjects = (await releaseObjects(db, own)) + (await releaseFileChunks(db, e.backup_id, keptIds, keptKeys, inputs.now));
    report.released.push({ backupId: e.backup_id, releasedObjects, sharedObjects: objects.length - own.length });
  }
  return report;
}
