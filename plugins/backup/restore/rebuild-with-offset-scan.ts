import { scanArchive, type ArchiveScan, type GrowingFile } from '../dump/archive-offsets';
import type { Manifest } from '../repository/manifest';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import { rebuildVerifiedDump, type VerifiedDump, type VerifyProgress } from './rebuild-verified-dump';

/**
 * rebuildVerifiedDump into `destination`, with the scan for the dump's data offsets
 * (archive-offsets.ts, which pg_restore -j needs and a piped pg_dump could not write) reading the
 * file alongside, never past the bytes already verified: the scan, a full pass over the dump, ends
 * with the verification instead of starting after it. The scan's failure is not the restore's: it
 * is returned (the offsets are then left as they are and pg_restore scans for its data itself).
 */
export async function rebuildWithOffsetScan(
  storage: ObjectStorage,
  manifest: Manifest,
  manifestKey: string,
  options: { destination: string; onProgress?: (p: VerifyProgress) => void; signal?: AbortSignal },
): Promise<{ verified: VerifiedDump; scan: ArchiveScan | Error }> {
  const prefix = new VerifiedPrefix(manifest.dumpSizeBytes);
  const scanning = scanArchive(options.destination, { signal: options.signal, growing: prefix }).catch((error: unknown) => error as Error);
  try {
    const verified = await rebuildVerifiedDump(storage, manifest, manifestKey, {
      ...options,
      onProgress: (p) => {
        prefix.advance(p.verifiedBytes);
        options.onProgress?.(p);
      },
    });
    // Whatever the scan still waits for will not come (a dump shorter than its own header).
    prefix.fail(new Error(`the dump ends at ${verified.bytes} bytes, inside what the scan still has to read`));
    return { verified, scan: await scanning };
  } catch (error) {
    prefix.fail(error as Error);
    await scanning;
    throw error;
  }
}

/** How much of the dump file, from its start, is written and verified: what the scan may read. */
class VerifiedPrefix implements GrowingFile {
  #readable = 0;
  #failed: Error | undefined;
  #waiting: { resolve: () => void; reject: (error: Error) => void }[] = [];

  constructor(readonly size: number) {}

  readable(): number {
    return this.#readable;
  }

  grown(): Promise<void> {
    if (this.#failed) return Promise.reject(this.#failed);
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  advance(bytes: number): void {
    this.#readable = bytes;
    for (const waiter of this.#waiting.splice(0)) waiter.resolve();
  }

  fail(error: Error): void {
    this.#failed = error;
    for (const waiter of this.#waiting.splice(0)) waiter.reject(error);
  }
}
