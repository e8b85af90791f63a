import type { Pool } from 'pg';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import { pointerStorageKey } from '../../../src/keys/keys';
import { readBackupIndex, type IndexEntry } from '../repository/backup-index';
import { readManifest, readPointer } from '../repository/manifest-store';
import { HELD_BY_TARGET, TARGET_LAST_COPIED } from './sql';

/**
 * Whoever can write a copy folder (or bucket) can put back older bytes of its pointer and index:
 * still valid, and a restore or a prune would trust them. The database's record of what was
 * copied there (copy_targets.last_manifest_key, copied_backups) is the reference: a target whose
 * pointer names an older backup than the last one copied, or whose index lacks a backup recorded
 * as held, is behind it. Undefined when it is not (or nothing is recorded); else what is wrong.
 * A target ahead of the record (the database restored from an older dump) is not behind, and
 * manifests a prune of this deployment condemned are not missing.
 */
export async function targetBehindRecord(
  pool: Pool,
  target: string,
  storage: ObjectStorage,
  masterEncryptionKey: Buffer,
  condemned: ReadonlySet<string> = new Set(),
): Promise<string | undefined> {
  const last = (await pool.query<{ last_backup_id: string | null; last_manifest_key: string | null }>(TARGET_LAST_COPIED, [target])).rows[0];
  const held = (await pool.query<{ backup_id: string; manifest_key: string }>(HELD_BY_TARGET, [target])).rows;
  const pointer = await readPointer(storage, pointerStorageKey(masterEncryptionKey)).catch(() => undefined);
  // A recorded backup the target no longer holds was pruned there (after this database's dump was
  // taken, when it was restored); only one still present yet no longer named is a rollback.
  if (last?.last_manifest_key && pointer?.latestManifestStorageKey !== last.last_manifest_key) {
    const recorded = await readManifest(storage, last.last_manifest_key).catch(() => undefined);
    const named = pointer && (await readManifest(storage, pointer.latestManifestStorageKey).catch(() => undefined));
    if (recorded && (!named || Date.parse(named.createdAtUtc) < Date.parse(recorded.createdAtUtc))) {
      return (
        `its latest-backup pointer names ${named ? `backup ${named.backupId} (created ${named.createdAtUtc})` : 'nothing readable'}, but the last backup ` +
        `copied there is ${recorded.backupId} (created ${recorded.createdAtUtc}, copy_targets), and the target still holds it: the pointer was rolled back`
      );
    }
  }
  const index: IndexEntry[] = await readBackupIndex(storage, masterEncryptionKey).catch(() => []);
  const known = new Set([...index.map((e) => e.manifestKey), pointer?.latestManifestStorageKey]);
  const missing: string[] = [];
  for (const h of held) {
    if (known.has(h.manifest_key) || condemned.has(h.manifest_key)) continue;
    if (await readManifest(storage, h.manifest_key).then(() => true, () => false)) missing.push(h.backup_id);
  }
  if (missing.length === 0) return undefined;
  return (
    `its backup index lacks ${missing.length} backup${missing.length === 1 ? '' : 's'} recorded as copied there (copied_backups) and still held, ` +
    `the newest ${missing[0]}: the index was rolled back or replaced`
  );
}
