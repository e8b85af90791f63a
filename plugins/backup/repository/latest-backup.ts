import type { ObjectStorage } from '../../../src/storage/object-storage';
import { pointerStorageKey } from '../../../src/keys/keys';
import { readManifest, readPointer } from './manifest-store';

/** Cotton's latest-backup DTO (COTTON.md §6), plus the manifest's key for operators. */
export interface LatestBackupDto {
  backupId: string;
  createdAtUtc: string;
  pointerUpdatedAtUtc: string;
  dumpSizeBytes: number;
  chunkCount: number;
  dumpContentHash: string;
  sourceDatabase: string;
  sourceHost: string;
  sourcePort: string;
  manifestStorageKey: string;
}

/** What storage says the latest backup is (pointer → manifest), as Cotton reads it; undefined when there is no pointer. readPointer, plus the manifest it names, as Cotton's DTO. */
export async function readLatestBackup(storage: ObjectStorage, masterEncryptionKey: Buffer): Promise<LatestBackupDto | undefined> {
  const pointer = await readPointer(storage, pointerStorageKey(masterEncryptionKey));
  if (!pointer) return undefined;
  const m = await readManifest(storage, pointer.latestManifestStorageKey);
  return {
    backupId: m.backupId,
    createdAtUtc: m.createdAtUtc,
    pointerUpdatedAtUtc: pointer.updatedAtUtc,
    dumpSizeBytes: m.dumpSizeBytes,
    chunkCount: m.chunkCount,
    dumpContentHash: m.dumpContentHash,
    sourceDatabase: m.sourceDatabase,
    sourceHost: m.sourceHost,
    sourcePort: m.sourcePort,
    manifestStorageKey: pointer.latestManifestStorageKey,
  };
}
