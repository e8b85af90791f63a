import pg from 'pg';
import type { HostConfig } from '../config/config';
import type { Logger } from '../logging/logger';

/** Connection settings for `pg` from the host configuration (the password never leaves this object). */
export function connectionConfig(database: HostConfig['database'], applicationName = 'cotton-backup'): pg.ClientConfig {
  return {
    host: database.host,
    port: database.port,
    database: database.database,
    user: database.user,
    password: database.password,
    application_name: applicationName,
  };
}

/** The pool over Cotton's database. Idle-client errors (server restart) are logged, never fatal. */
export function createPool(database: HostConfig['database'], logger?: Logger, max = 10): pg.Pool {
  const pool = new pg.Pool({ ...connectionConfig(database), max });
  pool.on('error', (error) => logger?.warn({ err: error }, 'idle database connection failed; the pool will reconnect'));
  return pool;
}
