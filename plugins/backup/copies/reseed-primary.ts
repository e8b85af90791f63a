import type { ObjectStorage } from '../../../src/storage/object-storage';
import { pointerStorageKey } from '../../../src/keys/keys';
import type { NewEvent } from '../events';
import { readManifest, readPointer } from '../repository/manifest-store';
import { copyBackup, type CopyResult } from './copy-backup';
import type { CopiesRestoreInputs } from './open-target';

export interface ReseedOutcome {
  /** Set when the primary was re-seeded. */
  result?: CopyResult;
  /** PrimaryReseeded or PrimaryReseedSkipped, for the restore's stream. */
  event: NewEvent;
}

/**
 * Puts a backup restored from a copy target back in the primary storage, so that Cotton's own
 * restore and its GC protection work from the primary again: only the objects the primary lacks,
 * and its pointer only forward (copyBackup never names an older backup than the one named). Done
 * only when Cotton's own database was restored: a test restore into a scratch database must leave
 * the primary exactly as it was, and a primary whose pointer names a newer backup keeps it (the
 * copy may be behind: the newer backup was never copied).
 */
export async function reseedPrimary(
  from: { name: string; storage: ObjectStorage },
  primary: ObjectStorage,
  restored: { backupId: string; manifestKey: string; createdAtUtc: string; intoCottonsDatabase: boolean },
  inputs: CopiesRestoreInputs,
): Promise<ReseedOutcome> {
  const skipped = (reason: 'not_cottons_database' | 'primary_has_newer', detail: string): ReseedOutcome => ({
    event: { type: 'PrimaryReseedSkipped', data: { source: from.name, backupId: restored.backupId, reason, detail } },
  });
  if (!restored.intoCottonsDatabase) return skipped('not_cottons_database', "the restore went into another database than Cotton's: the primary storage is left as it was");
  const newer = await newerInPrimary(primary, inputs.masterEncryptionKey, restored);
  if (newer) return skipped('primary_has_newer', `the primary storage's pointer names backup ${newer.backupId} (created ${newer.createdAtUtc}), newer than the one restored: it stays named`);
  const result = await copyBackup(from.storage, { backend: primary.backend!, storage: primary }, restored.manifestKey, {
    masterEncryptionKey: inputs.masterEncryptionKey,
    concurrency: inputs.settings.concurrency,
    clock: inputs.clock,
  });
  const { objectsSent, bytesSent, pointerAdvanced } = result;
  return { result, event: { type: 'PrimaryReseeded', data: { source: from.name, backupId: restored.backupId, manifestKey: restored.manifestKey, objectsSent, bytesSent, pointerAdvanced } } };
}

async function newerInPrimary(primary: ObjectStorage, masterEncryptionKey: Buffer, restored: { manifestKey: string; createdAtUtc: string }) {
  const pointer = await readPointer(primary, pointerStorageKey(masterEncryptionKey)).catch(() => undefined);
  if (!pointer || pointer.latestManifestStorageKey === restored.manifestKey) return undefined;
  const named = await readManifest(primary, pointer.latestManifestStorageKey).catch(() => undefined);
  return named && Date.parse(named.createdAtUtc) > Date.parse(restored.createdAtUtc) ? named : undefined;
}
