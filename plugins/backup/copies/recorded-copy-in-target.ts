import type { Pool } from 'pg';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import { readManifest } from '../repository/manifest-store';
import { HELD_BY_TARGET } from './sql';

/**
 * The newest backup the database records as copied to `target` (copied_backups) whose manifest
 * the target holds and which reads, under this master key, as that backup: evidence that a
 * target without a copy marker is this deployment's copy, made before markers existed. Another
 * deployment's storage, or one under another key, holds none. Undefined when none is found.
 */
export async function recordedCopyInTarget(pool: Pool, target: string, storage: ObjectStorage): Promise<string | undefined> {
  const held = (await pool.query<{ backup_id: string; manifest_key: string }>(HELD_BY_TARGET, [target])).rows;
  for (const h of held) {
    const manifest = await readManifest(storage, h.manifest_key).catch(() => undefined);
    if (manifest?.backupId === h.backup_id) return h.backup_id;
  }
  return undefined;
}
