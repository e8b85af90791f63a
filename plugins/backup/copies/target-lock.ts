import type { Pool } from 'pg';
import { holdOnDedicatedConnection, type Held } from '../../../src/db/dedicated-connection';
import { TARGET_UNLOCK, TRY_TARGET_LOCK } from './sql';

/**
 * The lock of one copy target, across processes and hosts: a copy run and a prune of the same
 * target never overlap (a prune would sweep objects a copy in flight has just sent). Undefined
 * when another session holds it; else release() lets it go.
 */
export async function tryTargetLock(pool: Pool, target: string): Promise<Held | undefined> {
  let locked = false;
  const held = await holdOnDedicatedConnection(
    pool,
    async (client) => void (locked = (await client.query<{ locked: boolean }>(TRY_TARGET_LOCK, [target])).rows[0]!.locked),
    (client) => (locked ? client.query(TARGET_UNLOCK, [target]) : Promise.resolve()),
  );
  if (locked) return held;
  await held.release();
  return undefined;
}
