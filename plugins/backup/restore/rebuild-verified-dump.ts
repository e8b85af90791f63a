import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import type { Manifest } from '../manifest/manifest';
import { rejectionForReadError, RestoreRejectedError } from './restore-rejection';
import type { ChunkRead } from './read-chunk';
import { readChunksAhead } from './read-chunks-ahead';
import { BatchedWriter } from './batched-writer';

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
 * of the plaintext) and its size, then the whole against the manifest's size and hash. Later
 * chunks are read, decrypted and decompressed ahead (read-chunks-ahead.ts) while an earlier one
 * is hashed and written, but each is checked, hashed into the whole and written in manifest order.
 *
 * With `destination`, the plaintext is written on the way to that new private file (0600,
 * created exclusively): one decryption pass serves both verification and pg_restore, and the
 * file is only handed to pg_restore after the whole-dump check passed, so not one unverified byte
 * reaches it. Why a file and not a pipe into pg_restore: a pipe would feed pg_restore before the
 * last chunk is checked, and a restore must not start from a dump that later proves corrupt;
 * holding the dump in memory does not scale. The caller owns removing the file on every outcome.
 * Without `destination`, this is a pure verification pass.
 * Throws RestoreRejectedError naming the object and what was wrong.
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
  const writer = out && new BatchedWriter(out);
  const take = async (piece: Buffer) => {
    whole.update(piece);
    await writer?.add(piece);
  };
  let bytes = 0;
  try {
    let index = 0;
    for await (const { chunk, deliver } of readChunksAhead(storage, manifest.chunks, options.signal)) {
      options.signal?.throwIfAborted();
      let read: ChunkRead;
      try {
        read = await deliver(take);
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        throw rejectionForReadError(error, chunk.storageKey, 'chunk', manifestKey);
      }
      const { length } = read;
      if (length !== chunk.sizeBytes) {
        throw new RestoreRejectedError(
          'size_mismatch',
          `chunk ${chunk.order} (${chunk.storageKey}) holds ${length > chunk.sizeBytes ? 'more than' : length} bytes, the manifest says ${chunk.sizeBytes}`,
          { manifestKey, chunkKey: chunk.storageKey },
        );
      }
      const actual = read.sha256;
      if (actual !== chunk.storageKey) {
        throw new RestoreRejectedError('hash_mismatch', `chunk ${chunk.order} hashes to ${actual}, not to its key ${chunk.storageKey}`, {
          manifestKey,
          chunkKey: chunk.storageKey,
        });
      }
      bytes += length;
      index++;
      options.onProgress?.({ verifiedBytes: bytes, totalBytes: manifest.dumpSizeBytes, chunksDone: index, chunkCount: manifest.chunkCount });
    }
    await writer?.done();
  } finally {
    await writer?.settle();
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
