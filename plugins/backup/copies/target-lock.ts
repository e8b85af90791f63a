import type { Pool } from 'pg';
import type { Held } from '../../../src/db/dedicated-connection';
import { trySessionLock } from '../../../src/db/session-lock';
import { TARGET_UNLOCK, TRY_TARGET_LOCK } from './sql';

/**
 * The lock of one copy target, across processes and hosts: a copy run and a prune of the same
 * target never overlap (a prune would sweep objects a copy in flight has just sent). Undefined
 * when another session holds it; else release() lets it go.
 */
export function tryTargetLock(pool: Pool, target: string): Promise<Held | undefined> {
  return trySessionLock(pool, { tryLock: TRY_TARGET_LOCK, unlock: TARGET_UNLOCK, params: [target] });
}
