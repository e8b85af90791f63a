import type { ObjectStorage } from '../../../src/storage/object-storage';
import { pointerStorageKey } from '../../../src/keys/keys';
import { InvalidManifestError, MAX_MANIFEST_BYTES, parseManifest, type Manifest } from './manifest';
import { InvalidPointerError, type Pointer } from './pointer';
import { loadPointer } from './manifest-store';
import { rejectionForReadError, RestoreRejectedError } from './restore-rejection';

export interface DiscoveredBackup {
  pointerKey: string;
  pointer: Pointer;
  manifestKey: string;
  manifest: Manifest;
}

/**
 * Storage, not the database, says what the latest backup is: the master key gives the pointer's
 * key, the pointer (zod-validated) names the manifest. loadPointer, plus restore's refusal
 * classification: every failure is a RestoreRejectedError (no_pointer with a hint, invalid_pointer, a read error's).
 */
export async function readLatestPointer(storage: ObjectStorage, masterEncryptionKey: Buffer): Promise<{ pointerKey: string; pointer: Pointer }> {
  const pointerKey = pointerStorageKey(masterEncryptionKey);
  if (!(await storage.exists(pointerKey))) {
    const hint = (await storageHoldsObjects(storage))
      ? 'the storage holds objects, so COTTON_MASTER_KEY is probably not the key the backups were made with'
      : 'the storage is empty: check COTTON_STORAGE_PATH';
    throw new RestoreRejectedError('no_pointer', `no latest-backup pointer (${pointerKey}) under this master key; ${hint}`);
  }
  try {
    return { pointerKey, pointer: await loadPointer(storage, pointerKey) };
  } catch (error) {
    if (error instanceof InvalidPointerError) throw new RestoreRejectedError('invalid_pointer', error.message);
    throw rejectionForReadError(storage, error, pointerKey, 'pointer');
  }
}

/** master key → pointer → manifest, each validated; the manifest must be of the backup the pointer names. */
export async function discoverLatestBackup(storage: ObjectStorage, masterEncryptionKey: Buffer): Promise<DiscoveredBackup> {
  const { pointerKey, pointer } = await readLatestPointer(storage, masterEncryptionKey);
  const manifest = await loadManifest(storage, pointer.latestManifestStorageKey, pointer.latestBackupId);
  return { pointerKey, pointer, manifestKey: pointer.latestManifestStorageKey, manifest };
}

/**
 * Reads and validates one manifest (zod schema and consistency); its key must be the SHA-256 of
 * its bytes (content addressing), and with `expectedBackupId` it must be of that backup.
 */
export async function loadManifest(storage: ObjectStorage, manifestKey: string, expectedBackupId?: string): Promise<Manifest> {
  let bytes: Buffer;
  try {
    bytes = await storage.readBuffer(manifestKey, MAX_MANIFEST_BYTES);
  } catch (error) {
    throw rejectionForReadError(storage, error, manifestKey, 'manifest');
  }
  let manifest: Manifest;
  try {
    manifest = parseManifest(bytes, manifestKey);
  } catch (error) {
    if (error instanceof InvalidManifestError) throw new RestoreRejectedError('invalid_manifest', `manifest ${manifestKey}: ${error.detail}`, { manifestKey });
    throw error;
  }
  if (expectedBackupId !== undefined && manifest.backupId !== expectedBackupId) {
    throw new RestoreRejectedError(
      'invalid_manifest',
      `manifest ${manifestKey} is of backup ${manifest.backupId}, but it was reached as backup ${expectedBackupId}`,
      { manifestKey },
    );
  }
  return manifest;
}

async function storageHoldsObjects(storage: ObjectStorage): Promise<boolean> {
  try {
    for await (const _key of storage.list()) return true;
  } catch {
    // An unreadable root says nothing either way.
  }
  return false;
}
