import type { ObjectStorage } from '../../../src/storage/object-storage';
import type { ManifestChunk } from '../manifest/manifest';
import { readChunk, type ChunkRead } from './read-chunk';

/** Chunks read at once: the object reads, zstd and the file writes run on the libuv pool meanwhile. */
export const READ_AHEAD_CHUNKS = 4;
/** Plaintext held for chunks read ahead (manifest sizes): the bound on memory whatever the dump. */
export const READ_AHEAD_BYTES = 32 * 1024 * 1024;

export interface ChunkInOrder {
  chunk: ManifestChunk;
  /**
   * The chunk's plaintext pieces, in order, to `onPiece` (awaited); then the length and hash
   * read. A read error (missing object, CTN2 failure) rejects here, in manifest order.
   */
  deliver(onPiece: (piece: Buffer) => unknown): Promise<ChunkRead>;
}

interface Ahead {
  read: Promise<ChunkRead>;
  pieces: Buffer[];
}

/**
 * The chunks of a manifest in order, up to READ_AHEAD_CHUNKS of them (and READ_AHEAD_BYTES of
 * plaintext) read while the caller handles an earlier one. A chunk larger than the byte budget is
 * not read ahead but streamed when its turn comes, so memory stays bounded for any manifest.
 * Leaving the loop early (an error, a rejected chunk) stops the reads still under way.
 */
export async function* readChunksAhead(storage: ObjectStorage, chunks: readonly ManifestChunk[], signal?: AbortSignal): AsyncGenerator<ChunkInOrder> {
  const stop = new AbortController();
  const stopped = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  const ahead = new Map<number, Ahead>();
  let next = 0;
  let heldBytes = 0;
  const fill = (current: number) => {
    while (next < chunks.length && ahead.size < READ_AHEAD_CHUNKS) {
      const chunk = chunks[next]!;
      if (chunk.sizeBytes > READ_AHEAD_BYTES) {
        if (next === current) next++; // its turn: streamed by deliver
        break;
      }
      if (ahead.size > 0 && heldBytes + chunk.sizeBytes > READ_AHEAD_BYTES) break;
      const pieces: Buffer[] = [];
      const read = readChunk(storage, chunk.storageKey, chunk.sizeBytes, (piece) => pieces.push(piece), stopped);
      read.catch(() => undefined); // rejects to deliver(), in order; not an unhandled rejection meanwhile
      ahead.set(next, { read, pieces });
      heldBytes += chunk.sizeBytes;
      next++;
    }
  };
  try {
    for (let index = 0; index < chunks.length; index++) {
      fill(index);
      const chunk = chunks[index]!;
      const held = ahead.get(index);
      if (!held) {
        yield { chunk, deliver: (onPiece) => readChunk(storage, chunk.storageKey, chunk.sizeBytes, onPiece, stopped) };
        continue;
      }
      ahead.delete(index);
      yield {
        chunk,
        deliver: async (onPiece) => {
          try {
            const read = await held.read;
            for (const piece of held.pieces) await onPiece(piece);
            return read;
          } finally {
            heldBytes -= chunk.sizeBytes;
            held.pieces.length = 0;
          }
        },
      };
    }
  } finally {
    stop.abort();
  }
}
