import type { ClientBase, Pool } from 'pg';
import { ownKeys } from './never-touched';
import { PIN_OBJECTS } from './sql';

/**
 * How long a pin holds Cotton's GC off. Finite (a removed plugin's pins lapse one day), and far
 * beyond any outage: a host that stops renewing leaves kept backups safe for years.
 */
export const PIN_YEARS = 10;
/** A pin is renewed once less than this is left, so a re-pin is normally a no-op. */
export const RENEW_BELOW_YEARS = 5;

export function pinnedUntil(now: Date, years = PIN_YEARS): Date {
  const d = new Date(now.getTime());
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d;
}

/**
 * Sets `chunks.gc_scheduled_after` far in the future on the rows of `keys` that exist (objects
 * without a row are not collectable yet; Cotton's consistency job gives them one with a 1-day
 * delay, and the next pin catches it). With `holdUntil`, only until then (a row held longer is
 * left alone): a hold that lapses unrenewed gives the row back to Cotton's GC. Returns the rows written.
 */
export async function pinObjects(db: Pool | ClientBase, keys: Iterable<string>, now: Date, holdUntil?: Date): Promise<number> {
  const list = ownKeys(keys);
  if (list.length === 0) return 0;
  const result = await db.query(PIN_OBJECTS, [list, holdUntil ?? pinnedUntil(now), holdUntil ?? pinnedUntil(now, RENEW_BELOW_YEARS)]);
  return result.rowCount ?? 0;
}
