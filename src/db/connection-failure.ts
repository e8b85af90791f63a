import pg from 'pg';
import type { HostConfig } from '../config/config';

// The SQLSTATE classes that mean "never got a session": 08 (connection exception), 28 (bad user
// or password), 3D000 (no such database), 57P03 (server starting up).
const SESSION_REFUSED = /^(08|28)|^3D000$|^57P03$/;

/**
 * Whether `error` says this database could not be reached or logged into (not a failed query, and
 * not an S3 endpoint or a folder that failed the same way: a socket error counts only when it
 * names the configured host or port).
 */
export function isConnectionFailure(error: unknown, database: HostConfig['database']): boolean {
  if (error instanceof pg.DatabaseError) return typeof error.code === 'string' && SESSION_REFUSED.test(error.code);
  const e = error as { syscall?: unknown; port?: unknown; hostname?: unknown; address?: unknown } | null;
  if (e?.syscall === 'connect') return e.port === database.port || (typeof e.address === 'string' && e.address.startsWith(database.host));
  if (e?.syscall === 'getaddrinfo') return e.hostname === database.host;
  return false;
}

/**
 * The one message for an unreachable database, from `serve` and every CLI command alike: where it
 * tried (never the password) and which variables set that, so the operator knows what to change.
 */
export class DatabaseUnreachableError extends Error {
  constructor(database: HostConfig['database'], cause: unknown) {
    const { host, port, database: name, user } = database;
    super(
      `cannot connect to PostgreSQL ${user}@${host}:${port}/${name}: ${(cause as Error).message} ` +
        '(check COTTON_PG_HOST, COTTON_PG_PORT, COTTON_PG_DATABASE, COTTON_PG_USERNAME, COTTON_PG_PASSWORD)',
      { cause },
    );
    this.name = 'DatabaseUnreachableError';
  }
}
