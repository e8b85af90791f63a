import { createHash } from 'node:crypto';
import { addAbortSignal } from 'node:stream';
import type { ObjectStorage } from '../../../src/storage/object-storage';

export interface ChunkRead {
  /** Plaintext bytes read; past `limit` the read stops, so at most the first piece beyond it counts. */
  length: number;
  sha256: string;
  /** More bytes than `limit`: the object is not the chunk the manifest describes. */
  oversized: boolean;
}

/**
 * Streams one chunk's plaintext through the pipeline (decrypt, decompress), hashing it and
 * handing each piece within `limit` to `onPiece`. Read errors (missing object, CTN2 failures)
 * are thrown as they come: callers decide whether they reject the backup or list a problem.
 * `signal` stops the read (the object's stream is destroyed and the read rejects).
 */
export async function readChunk(
  storage: ObjectStorage,
  key: string,
  limit: number,
  onPiece?: (piece: Buffer) => unknown,
  signal?: AbortSignal,
): Promise<ChunkRead> {
  const hash = createHash('sha256');
  let length = 0;
  signal?.throwIfAborted();
  const stream = await storage.read(key);
  if (signal) addAbortSignal(signal, stream);
  for await (const piece of stream as AsyncIterable<Buffer>) {
    length += piece.length;
    if (length > limit) return { length, sha256: hash.digest('hex'), oversized: true }; // destroys the stream
    hash.update(piece);
    await onPiece?.(piece);
  }
  return { length, sha256: hash.digest('hex'), oversized: false };
}
