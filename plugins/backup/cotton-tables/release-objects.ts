import type { ClientBase, Pool } from 'pg';
import { ownKeys } from './never-touched';
import { RELEASE_OBJECTS } from './sql';

/**
 * Gives rows back to Cotton's GC (`gc_scheduled_after` = NULL): Cotton schedules them at its next
 * run and deletes them 1–28 days later, unless a file or the pointer references them by then.
 * The caller passes only keys no kept backup uses. Returns the rows written.
 */
export async function releaseObjects(db: Pool | ClientBase, keys: Iterable<string>): Promise<number> {
  const list = ownKeys(keys);
  if (list.length === 0) return 0;
  const result = await db.query(RELEASE_OBJECTS, [list]);
  return result.rowCount ?? 0;
}
