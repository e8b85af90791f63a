import { createDecipheriv, createHash } from 'node:crypto';
import { zstdDecompressSync } from 'node:zlib';

/**
 * An implementation of Cotton's bucket layout and CTN2 reading written from COTTON.md (§2, §3, §9)
 * alone, importing nothing from src/storage: what a bucket we wrote must be readable by. Whole
 * objects in memory (test sizes only).
 */

/** COTTON.md §9: `<k[0:2]>/<k[2:4]>/<k[4:]>.ctn`, no prefix in Cotton's bucket. */
export function cottonBucketObjectName(key: string): string {
  return `${key.slice(0, 2)}/${key.slice(2, 4)}/${key.slice(4)}.ctn`;
}

/** COTTON.md §3: header, chunks, terminator; every tag checked; any trailing byte refused. */
export function openCtn2(container: Buffer, wrappingKey: Buffer): Buffer {
  if (container.subarray(0, 4).toString('latin1') !== 'CTN2' || container.readInt32LE(4) !== 84) throw new Error('not a CTN2 file header');
  const keyId = container.readInt32LE(16);
  const noncePrefix = container.subarray(20, 24);
  const unwrap = createDecipheriv('aes-256-gcm', wrappingKey, container.subarray(24, 36));
  unwrap.setAAD(container.subarray(0, 36));
  unwrap.setAuthTag(container.subarray(36, 52));
  const dataKey = Buffer.concat([unwrap.update(container.subarray(52, 84)), unwrap.final()]);
  const out: Buffer[] = [];
  let offset = 84;
  for (let index = 0n; ; index++) {
    const header = container.subarray(offset, offset + 36);
    if (header.length !== 36 || header.subarray(0, 4).toString('latin1') !== 'CTN2' || header.readInt32LE(4) !== 36) throw new Error('bad chunk header');
    const length = Number(header.readBigInt64LE(8));
    if (header.readInt32LE(16) !== keyId) throw new Error('key id mismatch');
    const nonce = Buffer.alloc(12);
    noncePrefix.copy(nonce, 0);
    nonce.writeBigUInt64LE(index, 4);
    const aad = Buffer.alloc(32);
    aad.write('CTN2', 0, 'latin1');
    aad.writeInt32LE(2, 4);
    aad.writeInt32LE(keyId, 8);
    aad.writeBigInt64LE(index, 12);
    aad.writeBigInt64LE(BigInt(length), 20);
    aad.writeInt32LE(0, 28);
    const decipher = createDecipheriv('aes-256-gcm', dataKey, nonce);
    decipher.setAAD(aad);
    decipher.setAuthTag(header.subarray(20, 36));
    const body = container.subarray(offset + 36, offset + 36 + length);
    if (body.length !== length) throw new Error('truncated');
    out.push(decipher.update(body), decipher.final());
    offset += 36 + length;
    if (length === 0) break;
  }
  if (offset !== container.length) throw new Error('trailing bytes');
  return Buffer.concat(out);
}

/** An ordinary object: CTN2, then a plain zstd frame; its key must be the SHA-256 of the plaintext. */
export function openCottonObject(key: string, container: Buffer, wrappingKey: Buffer): Buffer {
  const plaintext = zstdDecompressSync(openCtn2(container, wrappingKey));
  if (createHash('sha256').update(plaintext).digest('hex') !== key) throw new Error(`object ${key} does not hash to its key`);
  return plaintext;
}
