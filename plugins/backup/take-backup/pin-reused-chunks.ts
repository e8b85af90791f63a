import { hasChunksTable } from '../cotton-tables/chunks-table';
import { pinObjects } from '../cotton-tables/pin-objects';
import { BackupPluginError } from '../core/errors';
import type { BackupContext } from './run-backup';

const EXISTS_CONCURRENCY = 16;
/**
 * Long enough for the pointer to name the backup and retention to pin it for good (it re-pins any
 * row held for less than years); short enough that a backup failing after this hold leaks
 * nothing: the hold lapses and Cotton's GC takes what no backup keeps.
 */
const HOLD_DAYS = 7;

export class ReusedChunkCollectedError extends BackupPluginError {
  constructor(keys: string[]) {
    super(
      'REUSED_CHUNK_COLLECTED',
      `${keys.length} chunk(s) this backup reuses (first ${keys[0]}) left storage before they could be pinned ` +
        "(Cotton's GC had scheduled them); the pointer was not advanced, and the next backup writes them again",
    );
  }
}

/**
 * Pins the chunks this backup found already stored, before its manifest and pointer name them:
 * an object of an expired backup may have been scheduled by Cotton's GC, and until the pointer
 * names the new manifest nothing else protects it. Then checks that each is still there (the GC
 * may have taken one between the write that skipped it and this pin); if not, the backup fails
 * here rather than advance the pointer to a manifest with a hole. The pin is a hold of days, not
 * years (HOLD_DAYS), so a backup that fails later leaves nothing pinned for good. New objects need
 * no pin: they
 * have no chunks row, and Cotton's GC never deletes an object without one. Not closed: a GC run
 * that deleted a row just before this pin and deletes its object just after the check.
 */
export async function pinReusedChunks(ctx: Pick<BackupContext, 'pool' | 'storage' | 'clock'>, reusedKeys: readonly string[]): Promise<void> {
  if (reusedKeys.length === 0 || !(await hasChunksTable(ctx.pool))) return;
  const now = ctx.clock.now();
  await pinObjects(ctx.pool, reusedKeys, now, new Date(now.getTime() + HOLD_DAYS * 86_400_000));
  const missing: string[] = [];
  const queue = [...new Set(reusedKeys)];
  const work = async () => {
    for (let key = queue.shift(); key; key = queue.shift()) if (!(await ctx.storage.exists(key))) missing.push(key);
  };
  await Promise.all(Array.from({ length: EXISTS_CONCURRENCY }, work));
  if (missing.length > 0) throw new ReusedChunkCollectedError(missing.sort());
}
