import pg from 'pg';
import { adminQuery, dropDatabase, testServer } from '../support/database';
import type { Checks } from './checks';
import { spawnCli, type FaultEnv } from './harness';

/** Drops and recreates the database empty, runs `serve` with the startup restore, and hands back a pool on the result. */
export async function startupRestore(c: Checks, f: FaultEnv): Promise<pg.Pool> {
  await f.db.pool.end();
  await dropDatabase(f.db.name);
  await adminQuery(`CREATE DATABASE "${f.db.name}"`);
  const pool = new pg.Pool({ ...testServer, database: f.db.name, max: 2 });
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const host = spawnCli(f, ['serve'], { env: { COTTON_RESTORE_DATABASE_IF_EMPTY: 'true' } });
  try {
    await host.waitFor(/"msg":"host serving"/, 120_000);
  } catch (error) {
    c.ok(false, `the host restores and serves (${(error as Error).message.slice(-300)})`);
  } finally {
    host.killGroup('SIGTERM');
    await host.done;
  }
  return pool;
}
