import type { StorageBackend } from '../../../src/storage/backend/storage-backend';

export interface ObjectCopyTally {
  objectsSent: number;
  bytesSent: number;
  objectsSkipped: number;
  bytesSkipped: number;
}

export function emptyTally(): ObjectCopyTally {
  return { objectsSent: 0, bytesSent: 0, objectsSkipped: 0, bytesSkipped: 0 };
}

/**
 * Copies objects as container bytes, never decrypted, from `source` to `target`: only those the
 * target lacks (an object the target holds at another size is a damaged copy and is replaced).
 * At most `concurrency` in flight; the first failure stops new work and is thrown.
 */
export async function copyObjects(
  source: StorageBackend,
  target: StorageBackend,
  keys: readonly string[],
  concurrency: number,
  tally: ObjectCopyTally = emptyTally(),
  /** Rewrite these even when the target has them at the right size (a verification found them damaged). */
  force: ReadonlySet<string> = new Set(),
  /** After each object, sent or skipped (the CLI's progress). */
  onObject?: () => void,
): Promise<ObjectCopyTally> {
  let next = 0;
  let failed: unknown;
  async function worker(): Promise<void> {
    while (failed === undefined && next < keys.length) {
      const key = keys[next++]!;
      try {
        await copyOne(source, target, key, tally, force.has(key));
        onObject?.();
      } catch (error) {
        failed ??= error;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, keys.length) }, worker));
  if (failed !== undefined) throw failed;
  return tally;
}

async function copyOne(source: StorageBackend, target: StorageBackend, key: string, tally: ObjectCopyTally, force: boolean): Promise<void> {
  const [have, want] = await Promise.all([target.size(key), source.size(key)]);
  if (have !== undefined && have === want && !force) {
    tally.objectsSkipped += 1;
    tally.bytesSkipped += have;
    return;
  }
  const written = await target.write(key, await source.openRead(key), { overwrite: have !== undefined });
  tally.objectsSent += 1;
  tally.bytesSent += written.storedBytes;
}
