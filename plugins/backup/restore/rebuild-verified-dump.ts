import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import type { Manifest } from '../manifest/manifest';
import { rejectionForReadError, RestoreRejectedError } from './restore-rejection';

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
 * Reads every chunk of a manifest through the pipeline and checks it against its key and size,
 * then the whole against the manifest's size and hash. With `destination`, the plaintext is
 * written to that (private) file on the way, so that a restore needs one decryption pass and
 * pg_restore can run in parallel (-j needs a seekable file, not a pipe). Without it, this is a
 * pure verification pass (`cotton-backup verify`).
 * Throws RestoreRejectedError; the caller owns removing the destination on every outcome.
 */
export async function rebuildVerifiedDump(
  storage: ObjectStorage,
  manifest: Manifest,
  manifestKey: string,
  options: { destination?: string; onProgress?: (p: VerifyProgress) => void } = {},
): Promise<VerifiedDump> {
  const started = performance.now();
  const whole = createHash('sha256');
  const out: WriteStream | undefined = options.destination
    ? createWriteStream(options.destination, { mode: 0o600, flags: 'wx' })
    : undefined;
  let bytes = 0;
  try {
    for (const [index, chunk] of manifest.chunks.entries()) {
      const hash = createHash('sha256');
      let length = 0;
      try {
        const stream = await storage.read(chunk.storageKey);
        for await (const piece of stream as AsyncIterable<Buffer>) {
          length += piece.length;
          if (length > chunk.sizeBytes) break;
          hash.update(piece);
          whole.update(piece);
          if (out && !out.write(piece)) await once(out, 'drain');
        }
      } catch (error) {
        throw rejectionForReadError(error, chunk.storageKey, 'chunk');
      }
      if (length !== chunk.sizeBytes) {
        throw new RestoreRejectedError(
          'size_mismatch',
          `chunk ${chunk.order} (${chunk.storageKey}) holds ${length > chunk.sizeBytes ? 'more than' : length} bytes, the manifest says ${chunk.sizeBytes}`,
          { manifestKey, chunkKey: chunk.storageKey },
        );
      }
      const actual = hash.digest('hex');
      if (actual !== chunk.storageKey) {
        throw new RestoreRejectedError('hash_mismatch', `chunk ${chunk.order} hashes to ${actual}, not to its key ${chunk.storageKey}`, {
          manifestKey,
          chunkKey: chunk.storageKey,
        });
      }
      bytes += length;
      options.onProgress?.({ verifiedBytes: bytes, totalBytes: manifest.dumpSizeBytes, chunksDone: index + 1, chunkCount: manifest.chunkCount });
    }
    if (out) {
      out.end();
      await once(out, 'finish');
    }
  } catch (error) {
    out?.destroy();
    throw error;
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
