import { z } from 'zod';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import { sha256Hex } from '../../../src/keys/keys';
import { readManifest, readPointer } from './manifest-store';
import { pointerStorageKey } from '../../../src/keys/keys';
import { Ctn2Error } from '../../../src/storage/ctn2/errors';

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

/** The index object exists but cannot be read back as an index: its bytes are damaged, or not ours. */
export class BackupIndexUnreadableError extends Error {
  readonly code = 'BACKUP_INDEX_UNREADABLE';
  constructor(key: string, why: string) {
    super(`the backup index ${key} is unreadable (${why}); it is never overwritten with fewer backups than it held`);
    this.name = 'BackupIndexUnreadableError';
  }
}

/**
 * The index, newest first; [] only when there is none. Damaged or foreign bytes throw
 * BackupIndexUnreadableError (a reader that can do without the index catches it); an error
 * the storage may recover from (a timeout) is thrown as it is.
 */
export async function readBackupIndex(storage: ObjectStorage, masterEncryptionKey: Buffer): Promise<IndexEntry[]> {
  const key = backupIndexKey(masterEncryptionKey);
  if (!(await storage.exists(key))) return [];
  let body: Buffer;
  try {
    body = await storage.readBuffer(key, 1024 * 1024);
  } catch (error) {
    if (error instanceof Ctn2Error || (storage.backend && storage.backend.isPermanent(error))) throw new BackupIndexUnreadableError(key, (error as Error).message);
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new BackupIndexUnreadableError(key, 'it is not JSON');
  }
  const parsed = indexSchema.safeParse(json);
  if (!parsed.success) throw new BackupIndexUnreadableError(key, 'it is not a backup index');
  return parsed.data.manifests;
}

/**
 * Adds a manifest at the front; replaced atomically like the pointer. `candidates` are the
 * backups the caller's database records as kept there: one the index lacks (an older index put
 * back, by a rollback or a restored snapshot) goes back in if its manifest is still present. An
 * unreadable index is rebuilt the same way, never replaced by the new entry alone (a prune trusts
 * the index: the backups it no longer named would be swept), with the manifests the new one's
 * previous links reach.
 */
export async function recordInBackupIndex(
  storage: ObjectStorage,
  masterEncryptionKey: Buffer,
  entry: IndexEntry,
  candidates: readonly IndexEntry[] = [],
): Promise<{ rebuilt: boolean }> {
  let existing: IndexEntry[];
  let rebuilt = false;
  try {
    existing = await readBackupIndex(storage, masterEncryptionKey);
  } catch (error) {
    if (!(error instanceof BackupIndexUnreadableError)) throw error;
    existing = await previousChain(storage, entry.manifestKey);
    rebuilt = true;
  }
  const listed = new Set([entry.manifestKey, ...existing.map((e) => e.manifestKey)]);
  const restored = await presentManifests(storage, candidates.filter((c) => !listed.has(c.manifestKey)));
  const merged = [...existing.filter((e) => e.manifestKey !== entry.manifestKey), ...restored].sort((a, b) => Date.parse(b.createdAtUtc) - Date.parse(a.createdAtUtc));
  await writeBackupIndex(storage, masterEncryptionKey, [entry, ...merged]);
  return { rebuilt };
}

/** The manifests the previous links reach from `from`, while they read back whole. */
async function previousChain(storage: ObjectStorage, from: string): Promise<IndexEntry[]> {
  const found = new Map<string, IndexEntry>();
  let next = (await readManifest(storage, from).catch(() => undefined))?.previousManifestStorageKey;
  while (next && !found.has(next) && found.size < INDEX_SIZE) {
    const manifest = await readManifest(storage, next).catch(() => undefined);
    if (!manifest) break;
    found.set(next, { manifestKey: next, backupId: manifest.backupId, createdAtUtc: manifest.createdAtUtc });
    next = manifest.previousManifestStorageKey;
  }
  return [...found.values()];
}

/** Those of `candidates` whose manifest reads back whole, with its own id and time. */
async function presentManifests(storage: ObjectStorage, candidates: readonly IndexEntry[]): Promise<IndexEntry[]> {
  const out: IndexEntry[] = [];
  for (const c of new Map(candidates.map((x) => [x.manifestKey, x])).values()) {
    const manifest = await readManifest(storage, c.manifestKey).catch(() => undefined);
    if (manifest) out.push({ manifestKey: c.manifestKey, backupId: manifest.backupId, createdAtUtc: manifest.createdAtUtc });
  }
  return out;
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
