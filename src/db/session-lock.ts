import type { Pool, PoolClient } from 'pg';
import { holdOnDedicatedConnection, type Held, type HoldOptions } from './dedicated-connection';

/** A session advisory lock as its owner's sql.ts names it: the try (answering `locked`), the unlock, their parameters. */
export interface SessionLock {
  tryLock: string;
  unlock: string;
  params?: unknown[];
}

export interface TrySessionLockOptions extends HoldOptions {
  /** Runs on the lock's connection when another session holds the lock, before it goes back (to ask who holds it, and throw). */
  onBusy?: (client: PoolClient) => Promise<void>;
}

/**
 * Tries a session advisory lock on a connection of its own (holdOnDedicatedConnection): undefined
 * at once when another session holds it, the connection given back holding nothing; else Held,
 * whose release() unlocks and gives the connection back (discarded when the unlock failed: its
 * session may still hold the lock), and whose `lost` says the session, and the lock, went away.
 */
export async function trySessionLock(pool: Pool, lock: SessionLock, options: TrySessionLockOptions = {}): Promise<Held | undefined> {
  const params = lock.params ?? [];
  let locked = false;
  const held = await holdOnDedicatedConnection(
    pool,
    async (client) => {
      locked = (await client.query<{ locked: boolean }>(lock.tryLock, params)).rows[0]!.locked;
      if (!locked) await options.onBusy?.(client);
    },
    (client) => (locked ? client.query(lock.unlock, params) : Promise.resolve()),
    options,
  );
  if (locked) return held;
  await held.release();
  return undefined;
}
