import type { ObjectStorage } from '../../../src/storage/object-storage';
import { readManifest } from '../repository/manifest-store';

export interface BackupObjects {
  /** When the backup was taken, as its manifest says (what the policy's buckets count). */
  createdAtUtc: string;
  /** Every object the backup consists of: its manifest, then its distinct chunks. */
  keys: readonly string[];
}

// Manifests are content-addressed, so what a manifest key says never changes: cache it.
const CACHE_LIMIT = 1000;
const cache = new Map<string, BackupObjects>();

/** What a backup's manifest says. Throws when the manifest cannot be read. */
export async function objectsOfBackup(storage: ObjectStorage, manifestKey: string): Promise<BackupObjects> {
  const cached = cache.get(manifestKey);
  if (cached) return cached;
  const manifest = await readManifest(storage, manifestKey);
  const facts = { createdAtUtc: manifest.createdAtUtc, keys: [manifestKey, ...new Set(manifest.chunks.map((c) => c.storageKey))] };
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(manifestKey, facts);
  return facts;
}
