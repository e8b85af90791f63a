import type { ClientBase, Pool } from 'pg';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import { presentReferenceColumns } from './reference-columns';
import { recordedUnreferencedKeys } from './sql';

const EXISTS_CONCURRENCY = 16;

/**
 * The chunks a backup's database referenced (its record, FileChunksRecorded) that no live file
 * references now and that storage no longer holds: a restore of that backup would list files
 * whose bytes are gone. A chunk a live file still names is Cotton's live data, not checked here
 * (it is also every file's, so checking it would cost a lookup per file). Only existence is
 * checked, not content. A backup without a record (Cotton's own, one older than the record, a
 * database without Cotton's tables) has nothing to check: `checked` is 0 then.
 */
export async function missingFileChunks(db: Pool | ClientBase, storage: ObjectStorage, backupId: string): Promise<{ checked: number; missing: string[] }> {
  const { rows } = await db.query<{ key: string }>(recordedUnreferencedKeys(await presentReferenceColumns(db)), [backupId]);
  const queue = rows.map((r) => r.key);
  const missing: string[] = [];
  const work = async () => {
    for (let key = queue.shift(); key; key = queue.shift()) if (!(await storage.exists(key))) missing.push(key);
  };
  await Promise.all(Array.from({ length: EXISTS_CONCURRENCY }, work));
  return { checked: rows.length, missing: missing.sort() };
}
