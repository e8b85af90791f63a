import type { ObjectStorage } from '../../../src/storage/object-storage';
import { readManifest } from '../repository/manifest-store';

export interface BackupObjects {
  /** When the backup was taken, as its manifest says (what the policy's buckets count). */
  createdAtUtc: string;
  /** Every object the backup consists of: its manifest, then its distinct chunks. */
  keys: readonly string[];
}

// Manifests are content-addressed, so what a manifest key says never changes: cache it. Whether
// it is still there does: a cached answer is given only while the object exists (one stat).
const CACHE_LIMIT = 1000;
const cache = new Map<string, BackupObjects>();

/** What a backup's manifest says. Throws when the manifest cannot be read (or is gone since it was). */
export async function objectsOfBackup(storage: ObjectStorage, manifestKey: string): Promise<BackupObjects> {
  const cached = cache.get(manifestKey);
  if (cached && (await storage.exists(manifestKey))) return cached;
  cache.delete(manifestKey);
  const manifest = await readManifest(storage, manifestKey);
  const facts = { createdAtUtc: manifest.createdAtUtc, keys: [manifestKey, ...new Set(manifest.chunks.map((c) => c.storageKey))] };
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(manifestKey, facts);
  return facts;
}
