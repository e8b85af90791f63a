import type { Pool } from 'pg';
import type { Held } from '../../../src/db/dedicated-connection';
import { trySessionLock } from '../../../src/db/session-lock';
import { DRILL_UNLOCK, TRY_DRILL_LOCK } from './sql';

/** One drill per database across hosts (a drill and the start-up sweep of leftovers too): undefined when another session holds it. */
export function tryDrillLock(pool: Pool): Promise<Held | undefined> {
  return trySessionLock(pool, { tryLock: TRY_DRILL_LOCK, unlock: DRILL_UNLOCK });
}
