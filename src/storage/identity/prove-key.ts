import type { Readable } from 'node:stream';
import { pointerStorageKey, sha256Hex } from '../../keys/keys';
import type { StorageBackend } from '../backend/storage-backend';
import { decryptCtn2 } from '../ctn2/decrypt';
import { FILE_HEADER_LENGTH, unwrapDataKey } from '../ctn2/format';
import { IDENTITY_NAME } from './identity-name';
import { madeUnderKey, parseIdentity, type StorageIdentity } from './identity-record';

/** Cotton's master-key sentinel (COTTON.md §8): CTN2 without zstd, never rewritten or deleted. */
export const MASTER_KEY_SENTINEL = sha256Hex('cotton.master-key.sentinel.v1');
/** Objects of a storage without identity, sentinel or pointer tried before it is refused. */
const SAMPLED_OBJECTS = 8;

/** What proved the key: our identity record, Cotton's sentinel, our pointer, any object, or nothing to prove it against. */
export type KeyProofSource = 'identity' | 'sentinel' | 'pointer' | 'object' | 'empty';

export interface KeyProof {
  /** The storage's identity record, when it has one. */
  identity?: StorageIdentity;
  by: KeyProofSource;
}

/** The master key does not open this storage: one line naming the variable and the storage. */
export class MasterKeyMismatchError extends Error {
  readonly code = 'STORAGE_MASTER_KEY_MISMATCH';
  constructor(
    readonly where: string,
    detail: string,
  ) {
    super(`COTTON_MASTER_KEY does not open storage ${where}: ${detail}; nothing was written. Set the key this storage was made with`);
    this.name = 'MasterKeyMismatchError';
  }
}

/**
 * Proves the master key against the storage before anything is written or trusted (objects are
 * keyed by plaintext hash, so another key's objects look present and would be "reused"): by our
 * identity record's HMAC, by Cotton's sentinel where it exists, else, for a storage made before
 * identity records, by our latest-backup pointer or any object whose data key unwraps. A
 * storage with objects none of which opens is refused; an empty one proves nothing and passes.
 */
export async function proveKey(backend: StorageBackend, masterEncryptionKey: Buffer): Promise<KeyProof> {
  const where = backend.description;
  const raw = await backend.readMarker?.(IDENTITY_NAME);
  const identity = raw ? parseIdentity(raw, where) : undefined;
  if (identity && !madeUnderKey(identity, masterEncryptionKey)) {
    throw new MasterKeyMismatchError(where, `its identity ${identity.storageId} (created ${identity.createdAtUtc}) was made under another key`);
  }
  if (await backend.exists(MASTER_KEY_SENTINEL)) {
    if (!(await sentinelOpens(backend, masterEncryptionKey))) throw new MasterKeyMismatchError(where, "Cotton's master-key sentinel does not decrypt under it");
    return { identity, by: identity ? 'identity' : 'sentinel' };
  }
  if (identity) return { identity, by: 'identity' };
  const pointer = pointerStorageKey(masterEncryptionKey);
  if ((await backend.exists(pointer)) && (await openableUnder(backend, pointer, masterEncryptionKey))) return { by: 'pointer' };
  let tried = 0;
  for await (const key of backend.list()) {
    if (await openableUnder(backend, key, masterEncryptionKey)) return { by: 'object' };
    if (++tried >= SAMPLED_OBJECTS) break;
  }
  if (tried === 0) return { by: 'empty' };
  throw new MasterKeyMismatchError(where, `it has no identity record, no latest-backup pointer under this key, and none of the ${tried} objects tried opens under it`);
}

async function sentinelOpens(backend: StorageBackend, masterKey: Buffer): Promise<boolean> {
  try {
    const plain = decryptCtn2(await readUpTo(await backend.openRead(MASTER_KEY_SENTINEL), 64 * 1024), { masterKey, name: "Cotton's master-key sentinel" });
    return (JSON.parse(plain.toString('utf8')) as { purpose?: unknown }).purpose === 'cotton.master-key.sentinel.v1';
  } catch {
    return false;
  }
}

/**
 * The object's header names a data key this master key unwraps (GCM-authenticated): it was
 * written under this key. Reads its first 84 bytes only; false for a missing or foreign object.
 */
export async function openableUnder(backend: StorageBackend, key: string, masterKey: Buffer): Promise<boolean> {
  try {
    const head = await readUpTo(await backend.openRead(key), FILE_HEADER_LENGTH);
    if (head.length < FILE_HEADER_LENGTH || head.toString('latin1', 0, 4) !== 'CTN2') return false;
    unwrapDataKey(head.subarray(0, FILE_HEADER_LENGTH), masterKey);
    return true;
  } catch {
    return false;
  }
}

async function readUpTo(stream: Readable, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = 0;
  try {
    for await (const piece of stream as AsyncIterable<Buffer>) {
      parts.push(piece);
      total += piece.length;
      if (total >= limit) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(parts, total);
}
