import { pointerStorageKey } from '../../../src/keys/keys';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import type { SealAnchor } from '../events/verify-seals';
import { readManifest, readPointer } from './manifest-store';

/**
 * The event-log chain head the newest backup recorded (manifest.eventSeal), from the storage the
 * latest-backup pointer is in: out of reach of whoever owns the database. Undefined when there is
 * no backup yet, or the newest was written by Cotton's own job or a plugin older than the seals.
 */
export async function newestSealAnchor(storage: ObjectStorage, masterEncryptionKey: Buffer): Promise<SealAnchor | undefined> {
  const pointer = await readPointer(storage, pointerStorageKey(masterEncryptionKey));
  if (!pointer) return undefined;
  const manifest = await readManifest(storage, pointer.latestManifestStorageKey);
  if (!manifest.eventSeal) return undefined;
  return { backupId: manifest.backupId, createdAtUtc: manifest.createdAtUtc, ...manifest.eventSeal };
}
