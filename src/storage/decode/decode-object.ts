import { createHash } from 'node:crypto';
import { Ctn2Decoder } from '../ctn2/decrypt';
import type { ZstdInto } from './zstd-into';

export interface DecodedObject {
  /** Plaintext bytes; `limit + 1` when the object holds more than `limit`. */
  length: number;
  /** SHA-256 of the plaintext (hex); empty when oversized. */
  sha256: string;
  oversized: boolean;
}

/**
 * One whole object's container bytes → CTN2 decryption → zstd, the plaintext landing in `out` at
 * `offset` (room for `limit + 1` bytes), hashed: the read side of the pipeline (pipeline.ts) for
 * an object already in memory, with no stream machinery and no buffer per object, so that it runs
 * on a worker thread (decode-worker.ts). Throws Ctn2Error subclasses and zstd's errors.
 */
export function decodeObjectInto(container: Uint8Array, masterKey: Buffer, zstd: ZstdInto, out: Buffer, offset: number, limit: number, name?: string): DecodedObject {
  const decoder = new Ctn2Decoder({ masterKey, name });
  const compressed: Buffer[] = [];
  decoder.write(Buffer.from(container.buffer, container.byteOffset, container.byteLength), (piece) => compressed.push(piece));
  decoder.end();
  const frame = compressed.length === 1 ? compressed[0]! : Buffer.concat(compressed);
  const length = zstd.decodeInto(frame, out, offset, limit);
  if (length > limit) return { length, sha256: '', oversized: true };
  return { length, sha256: createHash('sha256').update(out.subarray(offset, offset + length)).digest('hex'), oversized: false };
}
