import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import { sha256Hex } from '../../../src/keys/keys';
import { ChunkBufferPool } from '../chunking/chunk-buffer-pool';
import { createChunkStream, type ChunkingParameters } from '../chunking/fastcdc';
import type { ManifestChunk } from '../repository/manifest';
import { failpoint, halves } from '../core/failpoints';

export interface ChunkProgress {
  dumpedBytes: number;
  newChunks: number;
  reusedChunks: number;
}

export interface StoredDump {
  chunks: ManifestChunk[];
  dumpSizeBytes: number;
  dumpContentHash: string;
  newChunks: number;
  reusedChunks: number;
  newPlaintextBytes: number;
  reusedPlaintextBytes: number;
  /** Stored (compressed, encrypted) bytes of the objects this run wrote. */
  bytesWritten: number;
  /** Keys whose object was already in storage (not written): Cotton's GC may have scheduled them. */
  reusedKeys: string[];
}

/**
 * Cuts a dump stream into content-defined chunks and stores each one not yet stored, keyed by
 * its SHA-256. At most `concurrency` writes run at once; reading the dump pauses while they are
 * busy, so pg_dump itself is slowed down rather than memory growing.
 */
export async function storeChunks(
  dump: Readable,
  storage: ObjectStorage,
  options: {
    chunking: ChunkingParameters;
    concurrency: number;
    onProgress?: (p: ChunkProgress) => void;
    /**
     * Whether an object already under a chunk's key may be reused: it is known (a backup's
     * manifest read under this key lists it) or proven readable under this key. One that is not
     * (sealed under another key) is rewritten, and counts as new.
     */
    reusable?: (key: string) => Promise<boolean>;
  },
): Promise<StoredDump> {
  const whole = createHash('sha256');
  const chunks: ManifestChunk[] = [];
  const seen = new Set<string>();
  const result = { newChunks: 0, reusedChunks: 0, newPlaintextBytes: 0, reusedPlaintextBytes: 0, bytesWritten: 0 };
  let dumpedBytes = 0;
  const inFlight = new Set<Promise<void>>();
  let firstError: unknown;

  const reusedKeys: string[] = [];
  let writesStarted = 0;
  const store = async (key: string, chunk: Buffer) => {
    // The second write goes through a stream that the fault suite can stop halfway (a temp file
    // half written, as a crash would leave it); the bytes stored are the same either way.
    const source = ++writesStarted === 2 ? Readable.from(halves(chunk, 'backup.midChunkUpload')) : chunk;
    let { written, storedBytes } = await storage.write(key, source, { replay: () => Readable.from([chunk]) });
    if (!written && options.reusable && !(await options.reusable(key))) ({ written, storedBytes } = await storage.write(key, chunk, { overwrite: true }));
    if (written) {
      result.newChunks++;
      result.newPlaintextBytes += chunk.length;
      result.bytesWritten += storedBytes;
    } else {
      result.reusedChunks++;
      result.reusedPlaintextBytes += chunk.length;
      reusedKeys.push(key);
    }
  };

  // Chunks are assembled in reused buffers, each released once its write has settled (the
  // storage no longer reads it). Twice the average covers most chunks; a larger one gets its own.
  const pool = new ChunkBufferPool(Math.min(options.chunking.maxBytes, 2 * options.chunking.avgBytes), options.concurrency + 4);
  const chunkStream = dump.pipe(createChunkStream(options.chunking, pool));
  dump.once('error', (error) => chunkStream.destroy(error));
  for await (const chunk of chunkStream as AsyncIterable<Buffer>) {
    if (firstError) break;
    whole.update(chunk);
    const key = sha256Hex(chunk);
    chunks.push({ order: chunks.length, storageKey: key, sizeBytes: chunk.length });
    dumpedBytes += chunk.length;
    if (chunks.length === 1) await failpoint('backup.midDump');
    if (seen.has(key)) {
      result.reusedChunks++;
      result.reusedPlaintextBytes += chunk.length;
      pool.release(chunk);
    } else {
      seen.add(key);
      const write: Promise<void> = store(key, chunk)
        .catch((error: unknown) => {
          firstError ??= error;
        })
        .finally(() => {
          inFlight.delete(write);
          pool.release(chunk);
        });
      inFlight.add(write);
      if (inFlight.size >= options.concurrency) await Promise.race(inFlight);
    }
    options.onProgress?.({ dumpedBytes, newChunks: result.newChunks, reusedChunks: result.reusedChunks });
  }
  await Promise.all(inFlight);
  if (firstError) {
    chunkStream.destroy();
    dump.destroy();
    throw firstError;
  }
  return { chunks, dumpSizeBytes: dumpedBytes, dumpContentHash: whole.digest('hex'), ...result, reusedKeys };
}
