import type { Pool, PoolClient } from 'pg';

export interface Held {
  release(): Promise<void>;
}

/**
 * Takes a connection of its own for something a session holds (an advisory lock): `acquire` runs
 * on it, and `release()` runs `letGo` and returns the connection. A connection that fails is
 * discarded, which ends its session and whatever the session held.
 */
export async function holdOnDedicatedConnection(
  pool: Pool,
  acquire: (client: PoolClient) => Promise<void>,
  letGo: (client: PoolClient) => Promise<unknown>,
): Promise<Held> {
  const client = await pool.connect();
  try {
    await acquire(client);
  } catch (error) {
    client.release();
    throw error;
  }
  return {
    async release() {
      try {
        await letGo(client);
        client.release();
      } catch (error) {
        client.release(error as Error);
      }
    },
  };
}
