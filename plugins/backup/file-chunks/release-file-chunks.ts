import type { ClientBase, Pool } from 'pg';
import { forgetRecording } from './forget-recording';
import { pinnedUntil } from '../cotton-tables/pin-objects';
import { RELEASE_FILE_CHUNKS } from '../cotton-tables/sql';

/** No delay of Cotton's GC (at most 28 days) comes near this: a row scheduled beyond it is our pin. */
const OUR_PINS_BEYOND_YEARS = 1;

/**
 * Hands back to Cotton's GC the file chunks only this released backup's database referenced
 * (a kept backup's record or a kept backup's objects keep theirs), then drops its record.
 * Returns the rows written.
 */
export async function releaseFileChunks(db: Pool | ClientBase, backupId: string, keptBackupIds: readonly string[], keptKeys: Iterable<string>, now: Date): Promise<number> {
  const result = await db.query(RELEASE_FILE_CHUNKS, [backupId, keptBackupIds, [...keptKeys], pinnedUntil(now, OUR_PINS_BEYOND_YEARS)]);
  await forgetRecording(db, backupId);
  return result.rowCount ?? 0;
}
