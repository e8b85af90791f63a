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

/**
 * The key of the event log's seals (plugins/backup/events/seal-events.ts): HKDF-SHA256(master
 * encryption key, no salt, "CottonBackupEventSeal"), 32 bytes. Its own label, so a seal never
 * doubles as any other MAC or key; derived in the application, never sent to the database.
 */
export function deriveEventSealKey(masterEncryptionKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', masterEncryptionKey, Buffer.alloc(0), Buffer.from('CottonBackupEventSeal', 'utf8'), 32));
}
