import pg from 'pg';
import type { HostConfig } from '../config/config';
import type { Logger } from '../logging/logger';
import { connectionConfig } from './pool';
import { createDatabase, DATABASE_EXISTS } from './sql';

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
    if (!(await createDatabaseIfMissing(client, database.database))) return false;
    logger?.warn({ database: database.database }, 'the database did not exist: created it empty');
    return true;
  } catch (error) {
    logger?.debug({ err: (error as Error).message }, 'could not check or create the database; the connection check will tell');
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The one create-if-missing, on a connection to any database of the server. Returns true when
 * it created the database; errors are the caller's to judge (the host swallows them, a restore
 * reports them).
 */
export async function createDatabaseIfMissing(connection: pg.Pool | pg.Client, name: string): Promise<boolean> {
  const { rows } = await connection.query<{ present: boolean }>(DATABASE_EXISTS, [name]);
  if (rows[0]!.present) return false;
  await connection.query(createDatabase(name));
  return true;
}
