import { createHash, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { zstdCompressSync } from 'node:zlib';
import { encryptCtn2 } from './ctn2';

/**
 * What Cotton's own C# backup job leaves in a storage root, written from COTTON.md §1–§4 alone,
 * sharing no code with src/storage, src/keys or the plugin's manifest code: key derivation,
 * object layout, the storage pipeline (zstd, then CTN2 from ./ctn2), manifest and pointer.
 */

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** HKDF-SHA256(root key, empty salt, "CottonMasterEncryptionKey"), 32 bytes (§1). */
export function cottonMasterEncryptionKey(rootKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(rootKey, 'utf8'), Buffer.alloc(0), Buffer.from('CottonMasterEncryptionKey', 'utf8'), 32));
}

/** SHA-256 of "database.ctn:" + the master encryption key in standard base64 (§1). */
export function cottonPointerKey(masterEncryptionKey: Buffer): string {
  return sha256(`database.ctn:${masterEncryptionKey.toString('base64')}`);
}

/** `<root>/<k[0:2]>/<k[2:4]>/<k[4:]>.ctn` (§2). */
export function cottonObjectPath(root: string, key: string): string {
  return join(root, key.slice(0, 2), key.slice(2, 4), `${key.slice(4)}.ctn`);
}

/** Cotton's write (§2): zstd level 1, CTN2, into `<root>/tmp`, renamed into place; an existing key is skipped. */
export async function cottonWriteObject(root: string, masterEncryptionKey: Buffer, key: string, plaintext: Buffer): Promise<void> {
  const path = cottonObjectPath(root, key);
  if (await stat(path).then(() => true, () => false)) return;
  const stored = encryptCtn2(zstdCompressSync(plaintext), { wrappingKey: masterEncryptionKey });
  const tmp = join(root, 'tmp', `${key.slice(4)}.${randomBytes(6).toString('hex')}.tmp`);
  await mkdir(join(root, 'tmp'), { recursive: true });
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(tmp, stored);
  await rename(tmp, path);
}

export interface CottonDumpSource {
  /** pg_dump --format=custom output. */
  dump: Buffer;
  sourceDatabase: string;
  sourceHost: string;
  sourcePort: number;
}

/**
 * Cotton's job (§4) over a finished dump: fixed-size chunks, each stored under the SHA-256 of
 * its plaintext; a manifest with exactly Cotton's fields; then the pointer replaced by
 * delete-then-write. Returns the manifest as stored and its key.
 */
export async function writeCottonBackup(root: string, rootKey: string, source: CottonDumpSource, chunkSize: number) {
  const started = Date.now();
  const mek = cottonMasterEncryptionKey(rootKey);
  const chunks: Array<{ order: number; storageKey: string; sizeBytes: number }> = [];
  for (let offset = 0, order = 0; offset < source.dump.length; offset += chunkSize, order++) {
    const piece = source.dump.subarray(offset, offset + chunkSize);
    const storageKey = sha256(piece);
    await cottonWriteObject(root, mek, storageKey, piece);
    chunks.push({ order, storageKey, sizeBytes: piece.length });
  }
  const seconds = Math.min(59, Math.floor((Date.now() - started) / 1000));
  const manifest = {
    schemaVersion: 1,
    backupId: randomUUID().replaceAll('-', ''),
    createdAtUtc: new Date().toISOString(),
    contains: 'postgres_database_dump',
    dumpFormat: 'pg_dump_custom',
    sourceDatabase: source.sourceDatabase,
    sourceHost: source.sourceHost,
    sourcePort: String(source.sourcePort),
    hashAlgorithm: 'SHA256',
    chunkSizeBytes: chunkSize,
    dumpSizeBytes: source.dump.length,
    dumpContentHash: sha256(source.dump),
    chunkCount: chunks.length,
    elapsed: `00:00:${String(seconds).padStart(2, '0')}.0000000`,
    chunks,
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest), 'utf8');
  const manifestKey = sha256(manifestBytes);
  await cottonWriteObject(root, mek, manifestKey, manifestBytes);
  const pointerKey = cottonPointerKey(mek);
  await rm(cottonObjectPath(root, pointerKey), { force: true });
  const pointer = { schemaVersion: 1, logicalKey: 'database.ctn', updatedAtUtc: new Date().toISOString(), latestManifestStorageKey: manifestKey, latestBackupId: manifest.backupId };
  await cottonWriteObject(root, mek, pointerKey, Buffer.from(JSON.stringify(pointer), 'utf8'));
  return { manifest, manifestKey };
}
