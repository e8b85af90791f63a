import type { ObjectStorage } from '../../../src/storage/object-storage';
import type { Clock } from '../../../src/contract/services';
import { pointerStorageKey } from '../../../src/keys/keys';
import { recordInBackupIndex, type IndexEntry } from '../repository/backup-index';
import { readManifest, readPointer, writePointer } from '../repository/manifest-store';
import { pointerTo } from '../repository/pointer';
import { failpoint } from '../core/failpoints';
import { digestStream } from '../../../src/storage/digest';
import { copyObjects, emptyTally, type ObjectCopyTally } from './copy-objects';
import type { OpenedTarget } from './open-target';
import { BackupPluginError } from '../core/errors';

export interface CopyResult extends ObjectCopyTally {
  backupId: string;
  manifestKey: string;
  /** False when the target's pointer already named a newer backup (a catch-up of an older one). */
  pointerAdvanced: boolean;
  /** The destination's index was unreadable and was rebuilt from the manifests it holds. */
  indexRebuilt: boolean;
  /** Objects rewritten because a verification of the destination found them damaged. */
  repairedKeys: string[];
}

/** Where a copy goes: a copy target, or the primary storage when it is re-seeded from one. */
export type Destination = Pick<OpenedTarget, 'backend' | 'storage'>;

export interface CopyOptions {
  masterEncryptionKey: Buffer;
  concurrency: number;
  clock: Clock;
  /** Keys the destination's last verification found damaged: rewritten from the source whatever their size. */
  repair?: readonly string[];
  /** What the database records the destination holds: an unreadable index is rebuilt from those still present. */
  indexCandidates?: readonly IndexEntry[];
  /** After each chunk or the manifest: objects done of the backup's count, bytes sent so far. */
  onProgress?: (p: CopyProgress) => void;
}

export interface CopyProgress {
  objectsDone: number;
  objectCount: number;
  bytesSent: number;
}

export class NoRawAccessError extends BackupPluginError {
  constructor() {
    super('COPY_NO_RAW_ACCESS', 'the primary storage gives no access to its container bytes: copies need the folder or S3 backend');
  }
}

/**
 * One backup to one target, in the order that keeps the target restorable at every moment:
 * the chunks it lacks, then the manifest (read back through the target's pipeline: it must
 * decrypt and hash to its key), then the target's index, then its pointer. A crash anywhere
 * leaves the target's pointer on a complete backup; the next copy skips what is already there.
 * The manifest is read from the primary first and must parse: the chunk keys come from it.
 */
export async function copyBackup(
  primary: ObjectStorage,
  opened: Destination,
  manifestKey: string,
  options: CopyOptions,
): Promise<CopyResult> {
  const source = primary.backend;
  if (!source || !opened.storage.backend) throw new NoRawAccessError();
  const manifest = await readManifest(primary, manifestKey);
  const chunkKeys = [...new Set(manifest.chunks.map((c) => c.storageKey))];
  const tally = emptyTally();
  const repairedKeys: string[] = [];
  for (const key of new Set(options.repair ?? [])) {
    // The list comes from a table a database login can write: only an object the source holds
    // intact (it decrypts and hashes to its key) may replace what the target has.
    if (!/^[0-9a-f]{64}$/.test(key) || !(await holdsIntact(primary, key))) continue;
    await copyObjects(source, opened.backend, [key], 1, tally, new Set([key]));
    repairedKeys.push(key);
  }
  let objectsDone = 0;
  const onObject = () => options.onProgress?.({ objectsDone: ++objectsDone, objectCount: chunkKeys.length + 1, bytesSent: tally.bytesSent });
  await copyObjects(source, opened.backend, chunkKeys, options.concurrency, tally, undefined, onObject);
  await failpoint('copy.afterChunks');
  await copyObjects(source, opened.backend, [manifestKey], 1, tally, undefined, onObject);
  await readBackManifest(primary, opened, manifestKey, tally);
  const entry = { manifestKey, backupId: manifest.backupId, createdAtUtc: manifest.createdAtUtc };
  const { rebuilt } = await recordInBackupIndex(opened.storage, options.masterEncryptionKey, entry, options.indexCandidates);
  await failpoint('copy.beforePointer');
  const pointerAdvanced = await advancePointer(opened.storage, options, manifest.backupId, manifestKey, manifest.createdAtUtc);
  return { ...tally, backupId: manifest.backupId, manifestKey, pointerAdvanced, indexRebuilt: rebuilt, repairedKeys };
}

async function holdsIntact(storage: ObjectStorage, key: string): Promise<boolean> {
  try {
    return (await digestStream((await storage.read(key)) as AsyncIterable<Uint8Array>)).sha256 === key;
  } catch {
    return false;
  }
}

// The copy must decrypt and hash to its key; a damaged one of the right size is replaced once.
async function readBackManifest(primary: ObjectStorage, opened: Destination, manifestKey: string, tally: ObjectCopyTally): Promise<void> {
  try {
    await readManifest(opened.storage, manifestKey);
  } catch {
    const written = await opened.backend.write(manifestKey, await primary.backend!.openRead(manifestKey), { overwrite: true });
    tally.objectsSent += 1;
    tally.bytesSent += written.storedBytes;
    await readManifest(opened.storage, manifestKey);
  }
}

// The pointer only moves forward: a catch-up of an older backup leaves a newer one named.
async function advancePointer(
  storage: ObjectStorage,
  options: CopyOptions,
  backupId: string,
  manifestKey: string,
  createdAtUtc: string,
): Promise<boolean> {
  const key = pointerStorageKey(options.masterEncryptionKey);
  const current = await readPointer(storage, key).catch(() => undefined);
  if (current && current.latestManifestStorageKey !== manifestKey) {
    const named = await readManifest(storage, current.latestManifestStorageKey).catch(() => undefined);
    if (named && Date.parse(named.createdAtUtc) > Date.parse(createdAtUtc)) return false;
  }
  if (current?.latestManifestStorageKey === manifestKey) return false;
  await writePointer(storage, key, pointerTo(manifestKey, backupId, options.clock.now()));
  return true;
}
