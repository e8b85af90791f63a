import { escapeIdentifier } from 'pg';

/**
 * The snapshot pg_dump is handed (`--snapshot`): REPEATABLE READ keeps it for the whole
 * transaction, so every count below sees exactly the rows the dump holds.
 */
export const BEGIN_SNAPSHOT = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';
export const EXPORT_SNAPSHOT = 'SELECT pg_export_snapshot() AS id';
/** A second counter joins the same snapshot (the exporting transaction must still be open). */
export const importSnapshot = (id: string) => `SET TRANSACTION SNAPSHOT '${id.replace(/'/g, "''")}'`;

/**
 * The tables whose rows pg_dump writes: ordinary tables (a partitioned table's rows live in its
 * partitions), minus the schemas and table data ($2, `schema.table`) the dump excludes, the system's, and extension members (their
 * data is the extension's, not the dump's). Largest first, so parallel counters balance.
 */
export const DUMPED_TABLES = `
  SELECT n.nspname AS schema, c.relname AS table, c.relpages::bigint * current_setting('block_size')::bigint AS bytes
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind = 'r'
     AND n.nspname <> ALL($1::text[])
     AND format('%s.%s', n.nspname, c.relname) <> ALL($2::text[])
     AND n.nspname NOT IN ('pg_catalog', 'information_schema')
     AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
     AND NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
   ORDER BY bytes DESC, n.nspname, c.relname`;

export const countRows = (schema: string, table: string) =>
  `SELECT count(*) AS rows FROM ${escapeIdentifier(schema)}.${escapeIdentifier(table)}`;

export const EXTENSIONS = 'SELECT extname AS name, extversion AS version FROM pg_extension ORDER BY extname';
export const HAS_EF_MIGRATIONS = `SELECT to_regclass('public."__EFMigrationsHistory"') IS NOT NULL AS present`;
export const EF_MIGRATIONS = 'SELECT "MigrationId" AS id FROM public."__EFMigrationsHistory" ORDER BY "MigrationId"';

/**
 * Present only while pg_restore runs: a database holding it was left half-restored by a crash.
 * Its name proves nothing (any role with CREATE can make a schema): the one row of its table says
 * which restore of which backup wrote it, under a MAC only the master key can make
 * (restore/restore-marker.ts). pg_restore --clean never drops it (excluded from the restore); wipeDatabase does.
 */
export const RESTORE_MARKER_SCHEMA = 'cotton_restore_in_progress';

/** What checkDumpVersions compares pg_dump with: the display version and the number for the major. */
export const SERVER_VERSION = "SELECT current_setting('server_version') AS server_version, current_setting('server_version_num') AS server_version_num";
