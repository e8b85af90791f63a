import type { StorageBackend } from '../backend/storage-backend';
import { IDENTITY_NAME } from './identity-name';
import { madeUnderKey, newIdentity, parseIdentity, serializeIdentity, type StorageIdentity } from './identity-record';
import { MasterKeyMismatchError, proveKey, type KeyProof } from './prove-key';

/** The storage's identity as plugins see it (ObjectStorage.identity): proven again on each call. */
export interface StorageIdentityHandle {
  /** The storage's description, for messages. */
  readonly where: string;
  /** Proves the master key again (the storage may have been swapped under a running host). */
  prove(): Promise<KeyProof>;
  /**
   * Writes an identity record if there is none (first use, or adopting a storage made before
   * identity records, after prove() passed) and returns the one now there. Undefined when the
   * backend keeps no markers.
   */
  create(now: Date): Promise<StorageIdentity | undefined>;
}

export function storageIdentityHandle(backend: StorageBackend, masterEncryptionKey: Buffer): StorageIdentityHandle {
  const where = backend.description;
  return {
    where,
    prove: () => proveKey(backend, masterEncryptionKey),
    async create(now) {
      if (!backend.createMarker || !backend.readMarker) return undefined;
      const fresh = newIdentity(masterEncryptionKey, now);
      // Put-if-absent, never a replace: adopt-storage too only creates a record that is missing.
      if (await backend.createMarker(IDENTITY_NAME, serializeIdentity(fresh))) return fresh;
      // Another writer's record won the race: it must be under this key too.
      const raw = await backend.readMarker(IDENTITY_NAME);
      const there = raw ? parseIdentity(raw, where) : undefined;
      if (!there) throw new Error(`storage ${where}: the identity record vanished while it was written`);
      if (!madeUnderKey(there, masterEncryptionKey)) throw new MasterKeyMismatchError(where, `its identity ${there.storageId} was made under another key`);
      return there;
    },
  };
}
