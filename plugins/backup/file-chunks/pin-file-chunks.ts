import type { ClientBase, Pool } from 'pg';
import { presentReferenceColumns } from './reference-columns';
import { pinnedUntil, RENEW_BELOW_YEARS } from '../cotton-tables/pin-objects';
import { pinFileChunks as PIN } from '../cotton-tables/sql';

/**
 * Holds Cotton's GC off the chunks the kept backups' databases referenced (their records, taken
 * at backup time) and that no live file references now: the chunks of files deleted since. The
 * first run after a deletion pins them; Cotton's shortest delay (1 day) leaves retention's hourly
 * runs ample time. Returns the rows written.
 */
export async function pinFileChunks(db: Pool | ClientBase, keptBackupIds: readonly string[], now: Date): Promise<number> {
  if (keptBackupIds.length === 0) return 0;
  const result = await db.query(PIN(await presentReferenceColumns(db)), [keptBackupIds, pinnedUntil(now), pinnedUntil(now, RENEW_BELOW_YEARS)]);
  return result.rowCount ?? 0;
}
