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
  // A checked-out client whose connection dies (server restart, terminated backend) emits
  // 'error' besides failing its query; unheard, that event would crash the process. The query's
  // own rejection is what callers act on.
  pool.on('connect', (client) => {
    client.on('error', (error) => logger?.warn({ err: error.message }, 'database connection lost while in use'));
  });
  return pool;
}
