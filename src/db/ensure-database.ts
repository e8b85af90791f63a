import pg from 'pg';
import type { HostConfig } from '../config/config';
import type { Logger } from '../logging/logger';
import { connectionConfig } from './pool';
import { DATABASE_EXISTS } from './sql';

/**
 * Creates Cotton's database when the server has none by that name, so that a first start on a
 * fresh machine works, and so that a database lost with its volume comes back (empty) for the
 * startup restore. Asked through the `postgres` maintenance database; when that is not
 * reachable or the user may not create databases, nothing is done and the pool's own
 * connection check reports the problem.
 */
export async function ensureDatabaseExists(database: HostConfig['database'], logger?: Logger): Promise<boolean> {
  const client = new pg.Client({ ...connectionConfig({ ...database, database: 'postgres' }, 'cotton-backup-setup') });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ present: boolean }>(DATABASE_EXISTS, [database.database]);
    if (rows[0]!.present) return false;
    await client.query(`CREATE DATABASE "${database.database.replaceAll('"', '""')}"`);
    logger?.warn({ database: database.database }, 'the database did not exist: created it empty');
    return true;
  } catch (error) {
    logger?.debug({ err: (error as Error).message }, 'could not check or create the database; the connection check will tell');
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
