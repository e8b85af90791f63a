import type { ObjectStorage } from '../../../src/storage/object-storage';
import { pointerStorageKey } from '../../../src/keys/keys';
import { InvalidManifestError, parseManifest, type Manifest } from '../manifest/manifest';
import { InvalidPointerError, parsePointer, type Pointer } from '../manifest/pointer';
import { rejectionForReadError, RestoreRejectedError } from './restore-rejection';

export interface DiscoveredBackup {
  pointerKey: string;
  pointer?: Pointer;
  manifestKey: string;
  manifest: Manifest;
}

const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

/** Storage, not the database, says what the latest backup is: master key → pointer → manifest. */
export async function discoverLatestBackup(storage: ObjectStorage, masterEncryptionKey: Buffer): Promise<DiscoveredBackup> {
  const pointerKey = pointerStorageKey(masterEncryptionKey);
  if (!(await storage.exists(pointerKey))) {
    throw new RestoreRejectedError('no_pointer', `no latest-backup pointer (${pointerKey}) under this master key: nothing was ever backed up here, or the key differs`);
  }
  let pointer: Pointer;
  try {
    pointer = parsePointer(await storage.readBuffer(pointerKey, 64 * 1024));
  } catch (error) {
    if (error instanceof InvalidPointerError) throw new RestoreRejectedError('invalid_pointer', error.message);
    throw rejectionForReadError(error, pointerKey, 'pointer');
  }
  const discovered = await loadManifest(storage, pointer.latestManifestStorageKey);
  if (discovered.backupId !== pointer.latestBackupId) {
    throw new RestoreRejectedError(
      'invalid_manifest',
      `the pointer names backup ${pointer.latestBackupId} but its manifest is of backup ${discovered.backupId}`,
      { manifestKey: pointer.latestManifestStorageKey },
    );
  }
  return { pointerKey, pointer, manifestKey: pointer.latestManifestStorageKey, manifest: discovered };
}

/** Reads and validates one manifest; its key must be the SHA-256 of its bytes. */
export async function loadManifest(storage: ObjectStorage, manifestKey: string): Promise<Manifest> {
  let bytes: Buffer;
  try {
    bytes = await storage.readBuffer(manifestKey, MAX_MANIFEST_BYTES);
  } catch (error) {
    throw rejectionForReadError(error, manifestKey, 'manifest');
  }
  try {
    return parseManifest(bytes, manifestKey);
  } catch (error) {
    if (error instanceof InvalidManifestError) throw new RestoreRejectedError('invalid_manifest', `manifest ${manifestKey}: ${error.detail}`, { manifestKey });
    throw error;
  }
}
