import type { ObjectStorage } from '../../../src/storage/object-storage';
import type { Manifest } from '../repository/manifest';
import { listKnownManifests, readBackupIndex } from '../repository/backup-index';
import { backupsNewerThanPointer, pointerBehindDetail } from '../repository/pointer-rollback';
import { loadManifest, readLatestPointer } from '../repository/discover-latest-backup';
import { RestoreRejectedError } from '../repository/restore-rejection';
import type { RestoreFallback } from '../settings/backup-settings';

export function unknownBackupDetail(backupId: string, knownCount: number): string {
  return `backup ${backupId} is known neither to the latest-backup pointer nor to the backup index (${knownCount} backups known)`;
}

export type Candidate = { manifestKey: string; manifest: Manifest } | RestoreRejectedError;

/**
 * The backups to try, newest first, each yielded once: the pointer's (or the chosen one's); when
 * the backup index names backups newer than the pointer, a `pointer_behind` refusal first and,
 * only if the consumer goes on (fallback), those newer backups before the pointer's; then,
 * while the consumer keeps asking (fallback), each manifest's previous link; once that chain ends
 * (or a lost or corrupt manifest breaks it), the backup index, newest first. A refusal is yielded
 * as a RestoreRejectedError, so the consumer records it and decides whether to go on.
 */
export async function* findCandidates(
  storage: ObjectStorage,
  masterEncryptionKey: Buffer,
  options: { backupId?: string; fallback?: RestoreFallback },
): AsyncGenerator<Candidate> {
  const tried = new Set<string>();
  const queue: { manifestKey: string; backupId?: string }[] = [];
  if (options.backupId) {
    const known = await listKnownManifests(storage, masterEncryptionKey);
    const entry = known.find((k) => k.backupId === options.backupId);
    if (!entry) {
      yield new RestoreRejectedError('missing_manifest', unknownBackupDetail(options.backupId, known.length));
      if (options.fallback !== 'previous') return;
    } else {
      queue.push({ manifestKey: entry.manifestKey, backupId: entry.backupId });
    }
  } else {
    try {
      const { pointer } = await readLatestPointer(storage, masterEncryptionKey);
      const newer = await backupsNewerThanPointer(storage, masterEncryptionKey, pointer);
      if (newer.length > 0) {
        // Refused by default; a consumer that goes on (fallback) tries the newest first.
        yield new RestoreRejectedError('pointer_behind', pointerBehindDetail(pointer, newer));
        if (options.fallback !== 'previous') return;
        queue.push(...newer);
      }
      queue.push({ manifestKey: pointer.latestManifestStorageKey, backupId: pointer.latestBackupId });
    } catch (error) {
      if (!(error instanceof RestoreRejectedError)) throw error;
      yield error;
    }
  }
  let indexRead = false;
  for (;;) {
    if (queue.length === 0 && !indexRead && options.fallback === 'previous') {
      indexRead = true;
      for (const entry of await readBackupIndex(storage, masterEncryptionKey).catch(() => [])) queue.push(entry);
    }
    const next = queue.shift();
    if (!next) return;
    if (tried.has(next.manifestKey)) continue;
    tried.add(next.manifestKey);
    try {
      const manifest = await loadManifest(storage, next.manifestKey, next.backupId);
      yield { manifestKey: next.manifestKey, manifest };
      if (manifest.previousManifestStorageKey) queue.unshift({ manifestKey: manifest.previousManifestStorageKey });
    } catch (error) {
      if (!(error instanceof RestoreRejectedError)) throw error;
      yield error;
    }
  }
}
