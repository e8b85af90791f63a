import { DecodeFailedError, type DecodePool, type DecodedInRing } from '../../../src/storage/decode/decode-pool';
import { containerLimit, readContainerInto } from '../../../src/storage/decode/read-container';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import type { ManifestChunk } from '../repository/manifest';
import { DumpFileWriteError } from './dump-file-write-error';

/** Chunks read and decoded ahead of the one being hashed, at most (the ring bounds their bytes). */
export const DECODE_AHEAD_CHUNKS = 8;

export interface ChunkDecoded {
  chunk: ManifestChunk;
  /** Where the chunk starts in the dump (the manifest's sizes of the chunks before it). */
  position: number;
  /**
   * The chunk decoded by the pool, its plaintext in the ring (valid until the next chunk is asked
   * for) and written to the file; undefined when the pool did not take it (larger than the ring
   * or than its chunk allows, or it did not decode): the caller reads it the streaming way, which
   * raises the error a reader of that object gets. Read errors (a missing object) reject here.
   */
  decoded: Promise<(DecodedInRing & { plaintext: Buffer }) | undefined>;
}

/**
 * The chunks of a manifest in order, up to DECODE_AHEAD_CHUNKS of them read and decoded on the
 * pool's workers while the caller hashes an earlier one. Each has a region of the pool's ring
 * from before its read until the caller asks for the next chunk. With `file`, the workers also
 * write each chunk's plaintext into that file at its position. Leaving the loop early stops the
 * reads still under way (the caller closes the pool). Without a pool (a storage with no decode
 * workers) every chunk is left to the caller.
 */
export async function* decodeChunksAhead(
  storage: ObjectStorage,
  pool: DecodePool | undefined,
  chunks: readonly ManifestChunk[],
  options: { file?: { fd: number; path: string }; signal?: AbortSignal } = {},
): AsyncGenerator<ChunkDecoded> {
  const backend = storage.backend;
  const stop = new AbortController();
  const stopped = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const positions: number[] = [];
  chunks.reduce((position, chunk) => (positions.push(position), position + chunk.sizeBytes), 0);
  const ahead = new Map<number, ChunkDecoded['decoded']>();
  let next = 0;

  const decodeOne = async (pool: DecodePool, chunk: ManifestChunk, region: number, position: number) => {
    const limit = chunk.sizeBytes;
    const containerOffset = region;
    const plaintextOffset = region + containerLimit(limit);
    const containerLength = await readContainerInto(backend!, chunk.storageKey, pool.ring.bytes, containerOffset, containerLimit(limit), stopped);
    if (containerLength === undefined) return undefined;
    const write = options.file && { fd: options.file.fd, position };
    let decoded: DecodedInRing;
    try {
      decoded = await pool.decode({ containerOffset, containerLength, limit, plaintextOffset, write, name: `CTN2 object ${chunk.storageKey}` });
    } catch (error) {
      if (error instanceof DecodeFailedError && error.failure.stage === 'write') {
        throw new DumpFileWriteError(options.file!.path, error.failure.code ?? 'unknown', error.failure.message, { cause: error });
      }
      return undefined; // not decodable here, or a worker gone: read again the streaming way
    }
    return { ...decoded, plaintext: pool.ring.bytes.subarray(plaintextOffset, plaintextOffset + (decoded.oversized ? 0 : decoded.length)) };
  };

  const fill = () => {
    while (pool && backend && next < chunks.length && ahead.size < DECODE_AHEAD_CHUNKS) {
      const chunk = chunks[next]!;
      // The container bytes, then the plaintext with one byte more (room to see an object hold more).
      const region = pool.ring.reserve(containerLimit(chunk.sizeBytes) + chunk.sizeBytes + 1);
      if (region === undefined) break; // larger than the ring (read when its turn comes), or the ring is full
      const decoded = decodeOne(pool, chunk, region, positions[next]!);
      decoded.catch(() => undefined); // rejects to the caller in manifest order, not as unhandled meanwhile
      ahead.set(next, decoded);
      next++;
    }
  };

  try {
    for (let index = 0; index < chunks.length; index++) {
      fill();
      const chunk = chunks[index]!;
      const decoded = ahead.get(index);
      if (!decoded) {
        if (next === index) next++;
        yield { chunk, position: positions[index]!, decoded: Promise.resolve(undefined) };
        continue;
      }
      ahead.delete(index);
      try {
        yield { chunk, position: positions[index]!, decoded };
      } finally {
        pool!.ring.releaseOldest();
      }
    }
  } finally {
    stop.abort();
  }
}
