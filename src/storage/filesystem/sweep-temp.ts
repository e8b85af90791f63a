import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Where writes are staged before the rename (Cotton's own server uses the same folder). */
export const TEMP_DIRECTORY = 'tmp';

/** Temp files younger than this may belong to a write in flight (ours, or Cotton's own server's). */
export const STALE_TEMP_AGE_MS = 60 * 60 * 1000;

/**
 * Removes `<root>/tmp/*.tmp` files older than `olderThanMs`: leftovers of writes whose process
 * died (crash, kill -9, power loss) before renaming them into place. Younger files and anything
 * not named `*.tmp` are left alone: Cotton's server writes its temp files in the same folder and
 * must not lose a write in flight. Never throws; returns the names removed.
 */
export async function sweepStaleTempFiles(root: string, options: { olderThanMs?: number; now?: number } = {}): Promise<string[]> {
  const olderThanMs = options.olderThanMs ?? STALE_TEMP_AGE_MS;
  const now = options.now ?? Date.now();
  const dir = join(root, TEMP_DIRECTORY);
  const removed: string[] = [];
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.endsWith('.tmp')) continue;
    const path = join(dir, name);
    try {
      const s = await stat(path);
      if (!s.isFile() || now - s.mtimeMs < olderThanMs) continue;
      await unlink(path);
      removed.push(name);
    } catch {
      // Renamed or removed meanwhile by its writer: nothing to do.
    }
  }
  return removed;
}
