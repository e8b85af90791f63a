import { z } from 'zod';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import { sha256Hex } from '../../../src/keys/keys';
import { readPointer } from './manifest-store';
import { pointerStorageKey } from '../../../src/keys/keys';

/**
 * Our addition beside Cotton's pointer: a mutable object listing recent manifests, newest first,
 * so that a restore can still find older backups when the pointer's manifest is lost (the
 * previous-links chain starts at that manifest). Keyed like the pointer, from the master key,
 * so it is unguessable without it; Cotton ignores it (its GC may collect it — it is an index,
 * rebuilt from the next backup's write, never the only copy of anything).
 */
export const INDEX_SIZE = 100;

const indexSchema = z.object({
  schemaVersion: z.literal(1),
  logicalKey: z.literal('database.ctn.index'),
  manifests: z.array(
    z.object({ manifestKey: z.string().regex(/^[0-9a-f]{64}$/), backupId: z.string().regex(/^[0-9a-f]{32}$/), createdAtUtc: z.string() }),
  ),
});

export type IndexEntry = z.infer<typeof indexSchema>['manifests'][number];

export function backupIndexKey(masterEncryptionKey: Buffer): string {
  return sha256Hex(`database.ctn.index:${masterEncryptionKey.toString('base64')}`);
}

export async function readBackupIndex(storage: ObjectStorage, masterEncryptionKey: Buffer): Promise<IndexEntry[]> {
  const key = backupIndexKey(masterEncryptionKey);
  if (!(await storage.exists(key))) return [];
  const parsed = indexSchema.safeParse(JSON.parse((await storage.readBuffer(key, 1024 * 1024)).toString('utf8')));
  return parsed.success ? parsed.data.manifests : [];
}

/** Adds a manifest at the front; replaced atomically like the pointer. */
export async function recordInBackupIndex(storage: ObjectStorage, masterEncryptionKey: Buffer, entry: IndexEntry): Promise<void> {
  const existing = await readBackupIndex(storage, masterEncryptionKey).catch(() => []);
  await writeBackupIndex(storage, masterEncryptionKey, [entry, ...existing.filter((e) => e.manifestKey !== entry.manifestKey)]);
}

/** Replaces the index with these entries (newest first), atomically; a prune drops the backups it expired. */
export async function writeBackupIndex(storage: ObjectStorage, masterEncryptionKey: Buffer, entries: readonly IndexEntry[]): Promise<void> {
  const manifests = entries.slice(0, INDEX_SIZE);
  const body = Buffer.from(JSON.stringify({ schemaVersion: 1, logicalKey: 'database.ctn.index', manifests }), 'utf8');
  await storage.write(backupIndexKey(masterEncryptionKey), body, { overwrite: true });
}

/** The pointer's backup first, then the index: every backup a restore can be asked for by id. */
export async function listKnownManifests(storage: ObjectStorage, masterEncryptionKey: Buffer): Promise<IndexEntry[]> {
  const out: IndexEntry[] = [];
  const pointer = await readPointer(storage, pointerStorageKey(masterEncryptionKey)).catch(() => undefined);
  if (pointer) out.push({ manifestKey: pointer.latestManifestStorageKey, backupId: pointer.latestBackupId, createdAtUtc: pointer.updatedAtUtc });
  for (const entry of await readBackupIndex(storage, masterEncryptionKey).catch(() => [])) {
    if (!out.some((e) => e.manifestKey === entry.manifestKey)) out.push(entry);
  }
  return out;
}
