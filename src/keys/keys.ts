import { createHash, hkdfSync } from 'node:crypto';

/** Cotton's master encryption key: HKDF-SHA256(root key, no salt, "CottonMasterEncryptionKey"), 32 bytes (COTTON.md §1). */
export function deriveMasterEncryptionKey(rootKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(rootKey, 'utf8'), Buffer.alloc(0), Buffer.from('CottonMasterEncryptionKey', 'utf8'), 32));
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The fixed, mutable key of the latest-backup pointer: SHA-256("database.ctn:" + base64 master encryption key). */
export function pointerStorageKey(masterEncryptionKey: Buffer): string {
  return sha256Hex(`database.ctn:${masterEncryptionKey.toString('base64')}`);
}

export const STORAGE_KEY_PATTERN = /^[0-9a-f]{64}$/;

export function isStorageKey(value: string): boolean {
  return STORAGE_KEY_PATTERN.test(value);
}
