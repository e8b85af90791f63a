import type { ObjectStorage } from '../../../src/storage/object-storage';
import { backupIndexKey } from '../repository/backup-index';
import { objectsOfBackup } from './backup-objects';

export interface BytesToFree {
  /** Distinct objects of the expiring backups that no kept backup references (manifests and chunks). */
  objects: number;
  /** Their stored bytes, as the storage holds them (encrypted containers). */
  bytes: number;
  /** Kept backups whose manifest is unreadable: a release then frees nothing (protectKeptBackups), so neither is counted. */
  unreadableKept: string[];
}

/**
 * What a retention run hands back to Cotton's GC to delete: the objects of the backups it expires
 * that no kept backup still references, with their stored size. Computed before anything changes,
 * so a dry run says the same as the run would.
 */
export async function bytesToFree(
  storage: ObjectStorage,
  masterEncryptionKey: Buffer,
  decisions: readonly { backupId: string; manifestKey: string; keep: boolean; change: string }[],
): Promise<BytesToFree> {
  const keptKeys = new Set([backupIndexKey(masterEncryptionKey)]);
  const unreadableKept: string[] = [];
  for (const d of decisions.filter((x) => x.keep)) {
    const objects = await objectsOfBackup(storage, d.manifestKey).catch(() => undefined);
    if (objects) for (const key of objects.keys) keptKeys.add(key);
    else unreadableKept.push(d.backupId);
  }
  if (unreadableKept.length > 0) return { objects: 0, bytes: 0, unreadableKept };
  const freed = new Set<string>();
  for (const d of decisions.filter((x) => x.change === 'expire')) {
    const keys = await objectsOfBackup(storage, d.manifestKey).then((o) => o.keys, () => [d.manifestKey]);
    for (const key of keys) if (!keptKeys.has(key)) freed.add(key);
  }
  let bytes = 0;
  for (const key of freed) bytes += (await storage.size(key)) ?? 0;
  return { objects: freed.size, bytes, unreadableKept };
}
