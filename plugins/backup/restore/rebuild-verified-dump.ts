import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { writeAt } from '../../../src/storage/filesystem/write-at';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import type { Manifest } from '../repository/manifest';
import { rejectionForReadError, RestoreRejectedError } from '../repository/restore-rejection';
import { readChunk, type ChunkRead } from '../repository/read-chunk';
import { decodeChunksAhead } from './decode-chunks-ahead';
import { DumpFileWriteError } from './dump-file-write-error';

/** Shared memory for the chunks read ahead (container bytes and plaintext): the bound on what a restore holds, whatever the dump. */
export const DECODE_RING_BYTES = 12 * 1024 * 1024;

export interface VerifyProgress {
  verifiedBytes: number;
  totalBytes: number;
  chunksDone: number;
  chunkCount: number;
}

export interface VerifiedDump {
  bytes: number;
  sha256: string;
  durationMs: number;
}

/**
 * Reads every chunk of a manifest through the pipeline and checks it against its key (SHA-256
 * of the plaintext) and its size, then the whole against the manifest's size and hash. Chunks
 * are read, decrypted, decompressed and hashed ahead on the storage's decode workers
 * (decode-chunks-ahead.ts) while the main thread hashes an earlier one into the whole, in
 * manifest order; a chunk the workers cannot take is read here, the streaming way.
 *
 * With `destination`, the plaintext is written on the way to that new private file (0600,
 * created exclusively), each chunk at its position: one decryption pass serves both verification
 * and pg_restore, and the file is only handed to pg_restore after the whole-dump check passed,
 * so not one unverified byte reaches it. Why a file and not a pipe into pg_restore: a pipe would
 * feed pg_restore before the last chunk is checked, and a restore must not start from a dump that
 * later proves corrupt; holding the dump in memory does not scale. The caller owns removing the
 * file on every outcome. Without `destination`, this is a pure verification pass.
 * Throws RestoreRejectedError naming the object and what was wrong, DumpFileWriteError when the
 * file cannot take the bytes.
 */
export async function rebuildVerifiedDump(
  storage: ObjectStorage,
  manifest: Manifest,
  manifestKey: string,
  options: { destination?: string; onProgress?: (p: VerifyProgress) => void; signal?: AbortSignal } = {},
): Promise<VerifiedDump> {
  const started = performance.now();
  const whole = createHash('sha256');
  const out: FileHandle | undefined = options.destination ? await open(options.destination, 'wx', 0o600) : undefined;
  let bytes = 0;
  try {
    const pool = storage.openDecodePool?.({ ringBytes: DECODE_RING_BYTES });
    try {
      let index = 0;
      const file = out && { fd: out.fd, path: options.destination! };
      for await (const { chunk, position, decoded } of decodeChunksAhead(storage, pool, manifest.chunks, { file, signal: options.signal })) {
        options.signal?.throwIfAborted();
        let read: ChunkRead;
        try {
          const inRing = await decoded;
          if (inRing && !inRing.oversized) whole.update(inRing.plaintext);
          read = inRing ?? (await readChunk(storage, chunk.storageKey, chunk.sizeBytes, writeOnTheWay(whole, out, options.destination!, position), options.signal));
        } catch (error) {
          if (options.signal?.aborted) throw options.signal.reason;
          if (error instanceof DumpFileWriteError) throw error;
          throw rejectionForReadError(storage, error, chunk.storageKey, 'chunk', manifestKey);
        }
        const { length } = read;
        if (length !== chunk.sizeBytes) {
          throw new RestoreRejectedError(
            'size_mismatch',
            `chunk ${chunk.order} (${chunk.storageKey}) holds ${length > chunk.sizeBytes ? 'more than' : length} bytes, the manifest says ${chunk.sizeBytes}`,
            { manifestKey, chunkKey: chunk.storageKey },
          );
        }
        if (read.sha256 !== chunk.storageKey) {
          throw new RestoreRejectedError('hash_mismatch', `chunk ${chunk.order} hashes to ${read.sha256}, not to its key ${chunk.storageKey}`, {
            manifestKey,
            chunkKey: chunk.storageKey,
          });
        }
        bytes += length;
        index++;
        options.onProgress?.({ verifiedBytes: bytes, totalBytes: manifest.dumpSizeBytes, chunksDone: index, chunkCount: manifest.chunkCount });
      }
    } finally {
      await pool?.close(); // before the file closes: no worker may write to a descriptor number reused later
    }
  } finally {
    await out?.close();
  }
  const sha256 = whole.digest('hex');
  if (bytes !== manifest.dumpSizeBytes) {
    throw new RestoreRejectedError('size_mismatch', `the chunks add up to ${bytes} bytes, the manifest says ${manifest.dumpSizeBytes}`, { manifestKey });
  }
  if (sha256 !== manifest.dumpContentHash) {
    throw new RestoreRejectedError('hash_mismatch', `the dump hashes to ${sha256}, the manifest says ${manifest.dumpContentHash}`, { manifestKey });
  }
  return { bytes, sha256, durationMs: Math.round(performance.now() - started) };
}

/** For a chunk read here: each piece hashed into the whole and written at its place in the file. */
function writeOnTheWay(whole: Hash, out: FileHandle | undefined, path: string, start: number) {
  let position = start;
  return async (piece: Buffer) => {
    whole.update(piece);
    if (!out) return;
    try {
      await writeAt(out, piece, position);
    } catch (error) {
      throw DumpFileWriteError.from(error, path);
    }
    position += piece.length;
  };
}
