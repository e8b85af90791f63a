import type { Pool, PoolClient } from 'pg';
import * as sql from './sql';

/**
 * Runs `work` in one read-only REPEATABLE READ transaction on a connection of its own, so every
 * read sees the same log. A connection whose rollback failed is discarded, not given back.
 */
export async function inReadSnapshot<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query(sql.BEGIN_SNAPSHOT);
    const result = await work(client);
    await client.query(sql.COMMIT);
    return result;
  } catch (error) {
    await client.query(sql.ROLLBACK).catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
