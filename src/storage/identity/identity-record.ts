import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { IDENTITY_NAME } from './identity-name';

/**
 * Which storage this is, and under which key it was made (restic's `config`, pgBackRest's
 * stanza): a random id the database records, and an HMAC of that id under the master
 * encryption key. The HMAC proves a key without decrypting anything and says nothing of the key
 * to whoever reads the file.
 */
export interface StorageIdentity {
  schemaVersion: 1;
  /** 32 lowercase hex characters (a GUID without dashes, as backup ids are). */
  storageId: string;
  createdAtUtc: string;
  /** HMAC-SHA256(master encryption key, KEY_CHECK_CONTEXT + storageId), lowercase hex. */
  keyCheck: string;
}

const KEY_CHECK_CONTEXT = 'cotton-backup.storage-key-check.v1:';
const STORAGE_ID = /^[0-9a-f]{32}$/;
const HEX_64 = /^[0-9a-f]{64}$/;

export function keyCheckOf(masterEncryptionKey: Buffer, storageId: string): string {
  return createHmac('sha256', masterEncryptionKey).update(KEY_CHECK_CONTEXT + storageId).digest('hex');
}

export function newIdentity(masterEncryptionKey: Buffer, now: Date): StorageIdentity {
  const storageId = randomUUID().replaceAll('-', '');
  return { schemaVersion: 1, storageId, createdAtUtc: now.toISOString(), keyCheck: keyCheckOf(masterEncryptionKey, storageId) };
}

/** True when `identity` was made under this master encryption key. */
export function madeUnderKey(identity: StorageIdentity, masterEncryptionKey: Buffer): boolean {
  return timingSafeEqual(Buffer.from(identity.keyCheck, 'hex'), Buffer.from(keyCheckOf(masterEncryptionKey, identity.storageId), 'hex'));
}

export function serializeIdentity(identity: StorageIdentity): Buffer {
  return Buffer.from(`${JSON.stringify(identity, null, 2)}\n`, 'utf8');
}

/** A damaged or foreign identity record: never guessed around, never overwritten. */
export class InvalidStorageIdentityError extends Error {
  readonly code = 'STORAGE_IDENTITY_INVALID';
  constructor(where: string, reason: string) {
    super(`storage ${where} has an unreadable identity record ${IDENTITY_NAME}: ${reason}; it is left as it is (restore it from a copy of the storage, or remove it only if this storage holds no backups)`);
    this.name = 'InvalidStorageIdentityError';
  }
}

export function parseIdentity(bytes: Buffer, where: string): StorageIdentity {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new InvalidStorageIdentityError(where, 'not JSON');
  }
  const v = value as Partial<StorageIdentity> | null;
  if (!v || typeof v !== 'object' || v.schemaVersion !== 1) throw new InvalidStorageIdentityError(where, 'schemaVersion is not 1');
  if (typeof v.storageId !== 'string' || !STORAGE_ID.test(v.storageId)) throw new InvalidStorageIdentityError(where, 'storageId is not 32 lowercase hex characters');
  if (typeof v.keyCheck !== 'string' || !HEX_64.test(v.keyCheck)) throw new InvalidStorageIdentityError(where, 'keyCheck is not 64 lowercase hex characters');
  if (typeof v.createdAtUtc !== 'string' || Number.isNaN(Date.parse(v.createdAtUtc))) throw new InvalidStorageIdentityError(where, 'createdAtUtc is not a date');
  return { schemaVersion: 1, storageId: v.storageId, createdAtUtc: v.createdAtUtc, keyCheck: v.keyCheck };
}
