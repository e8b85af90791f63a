/** SQL the migrations runner executes. Every statement the runner sends is one of these. */

/** Key of the session advisory lock that serializes migration runs across hosts (an arbitrary, fixed bigint). */
export const MIGRATIONS_LOCK_KEY = '7420130825000001';

export const CREATE_SCHEMA = `CREATE SCHEMA IF NOT EXISTS cotton_host`;

export const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS cotton_host.schema_migrations (
  plugin     text        NOT NULL,
  version    integer     NOT NULL,
  name       text        NOT NULL,
  checksum   text        NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (plugin, version)
)`;

export const ACQUIRE_LOCK = `SELECT pg_advisory_lock($1::bigint)`;
export const RELEASE_LOCK = `SELECT pg_advisory_unlock($1::bigint)`;

export const SELECT_APPLIED = `
SELECT version, name, checksum
  FROM cotton_host.schema_migrations
 WHERE plugin = $1
 ORDER BY version`;

export const INSERT_APPLIED = `
INSERT INTO cotton_host.schema_migrations (plugin, version, name, checksum)
VALUES ($1, $2, $3, $4)`;

export const BEGIN = 'BEGIN';
export const COMMIT = 'COMMIT';
export const ROLLBACK = 'ROLLBACK';
