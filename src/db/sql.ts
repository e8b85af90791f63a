/** SQL the host itself sends outside migrations. */

/** Connectivity check at start: fails fast with a clear message when the database is unreachable. */
export const PING = 'SELECT 1';

export const DATABASE_EXISTS = 'SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS present';

/** CREATE DATABASE takes no parameters: the name is quoted as an identifier. */
export function createDatabase(name: string): string {
  return `CREATE DATABASE "${name.replaceAll('"', '""')}"`;
}
