/**
 * A plain PostgreSQL database name, the only kind this tool connects to, creates or restores into.
 * libpq (pg_dump, pg_restore) reads a `--dbname` holding `=` or starting with `postgresql://` as a
 * connection string while node-pg takes it literally: with such a name the two would talk to
 * different databases. No `=`, `:`, `/`, quote or space can pass this.
 */
export const DATABASE_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,62}$/;

/** What DATABASE_NAME accepts, for error messages. */
export const DATABASE_NAME_RULE =
  'a plain database name (letters, digits, _ and -, starting with a letter or _, at most 63 characters), not a connection string';

/**
 * A PostgreSQL host as libpq and node-pg both read it the same way: a host name, an IP address or
 * a socket directory. A comma would be a list of hosts to libpq and one odd name to node-pg.
 */
export const DATABASE_HOST = /^[A-Za-z0-9._:%/-]+$/;
