/** Cotton's rule for "empty" (COTTON.md §5): no applied migrations, or no user and no server settings. */
export const COTTON_TABLES_PRESENT = `
  SELECT to_regclass('public."__EFMigrationsHistory"') IS NOT NULL AS migrations,
         to_regclass('public.users') IS NOT NULL AS users,
         to_regclass('public.server_settings') IS NOT NULL AS settings`;
export const COUNT_MIGRATIONS = 'SELECT count(*)::int AS n FROM public."__EFMigrationsHistory"';
export const ANY_USER = 'SELECT EXISTS (SELECT 1 FROM public.users) AS present';
export const ANY_SETTINGS = 'SELECT EXISTS (SELECT 1 FROM public.server_settings) AS present';

/**
 * Schemas a failed restore may have left behind; system and extension-owned ones excluded.
 * pg_toast/pg_temp variants are the server's own. The half-restored marker comes last: a wipe
 * cut short keeps it, so the database still counts as half-restored rather than as served.
 */
export const USER_SCHEMAS = `
  SELECT nspname AS name FROM pg_namespace
   WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
     AND nspname NOT LIKE 'pg_temp_%' AND nspname NOT LIKE 'pg_toast_temp_%'
   ORDER BY nspname = 'cotton_restore_in_progress', nspname`;
/** `public` comes back as PostgreSQL 15 creates it: owned by pg_database_owner, usable by its owner. */
export const RECREATE_PUBLIC = 'CREATE SCHEMA IF NOT EXISTS public AUTHORIZATION pg_database_owner';

export const INSTALLED_EXTENSIONS = 'SELECT extname AS name FROM pg_extension WHERE extname = ANY($1::text[])';

/**
 * One restore per database at a time (two hosts starting on one empty database, or a CLI restore
 * racing a startup). Session-level: held on a dedicated connection for the whole restore.
 */
export const TRY_RESTORE_LOCK = "SELECT pg_try_advisory_lock(hashtextextended('cotton_backup.restore/' || current_database(), 0)) AS locked";
export const RESTORE_UNLOCK = "SELECT pg_advisory_unlock(hashtextextended('cotton_backup.restore/' || current_database(), 0))";

export const SERVER_TIMEZONE = 'SELECT timezone FROM public.server_settings ORDER BY id LIMIT 1';

export const EVENT_STORE_PRESENT = "SELECT to_regclass('cotton_backup.events') IS NOT NULL AS present";

/**
 * Restored events keep the transaction ids (xid8) of the server that wrote them. On another
 * server those may be at or above the current xid, and the global reader (events/read-all.ts:
 * `transaction_id < pg_snapshot_xmin(pg_current_snapshot())`) would hide them until this server's
 * xids caught up — possibly forever for practical purposes. True when a rebase is needed.
 */
export const TRANSACTION_IDS_AHEAD = `
  SELECT coalesce(max(transaction_id) >= pg_current_xact_id(), false) AS ahead FROM cotton_backup.events`;

/**
 * Moves every restored event's transaction_id below this transaction's own xid, keeping their
 * order: the k distinct source xids map, in order, onto 3, 4, … (3 = FirstNormalTransactionId).
 * When k does not fit below the current xid (a young server, a long history), they are spread
 * monotonically over 3 … current−1, so some neighbours share an id and read in global_position
 * order — fine for history whose transactions have all ended. The hash chain does not include
 * transaction_id (cotton_backup.event_hash), so verification is unaffected.
 * Run inside one transaction with the update trigger disabled (it refuses every UPDATE).
 */
export const REBASE_TRANSACTION_IDS = `
  WITH k AS (SELECT count(DISTINCT transaction_id)::numeric AS n,
                    (pg_current_xact_id()::text::numeric - 4) AS room
               FROM cotton_backup.events),
       ranked AS (SELECT global_position,
                         dense_rank() OVER (ORDER BY transaction_id)::numeric - 1 AS r
                    FROM cotton_backup.events)
  UPDATE cotton_backup.events e
     SET transaction_id = (3 + floor(ranked.r * least(k.n, k.room) / k.n))::text::xid8
    FROM ranked, k
   WHERE e.global_position = ranked.global_position`;
export const DISABLE_EVENTS_UPDATE_GUARD = 'ALTER TABLE cotton_backup.events DISABLE TRIGGER events_refuse_update';
/** ALWAYS, as migration 001 left it: a plain ENABLE would let it skip under session_replication_role = replica. */
export const ENABLE_EVENTS_UPDATE_GUARD = 'ALTER TABLE cotton_backup.events ENABLE ALWAYS TRIGGER events_refuse_update';

/** Every event of a store about to be replaced by pg_restore --clean, stream by stream. */
export const EVENTS_TO_CARRY = `
  SELECT stream_id, type, data, metadata, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS occurred_at
    FROM cotton_backup.events ORDER BY stream_id, stream_version`;

export const DATABASE_EXISTS = 'SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS present';

/**
 * Present only while pg_restore runs: a database holding it was left half-restored by a crash.
 * Its name proves nothing (any role with CREATE can make a schema): the one row of its table says
 * which restore of which backup wrote it, under a MAC only the master key can make
 * (restore-marker.ts). pg_restore --clean never drops it (excluded from the restore); wipeDatabase does.
 */
export const RESTORE_MARKER_SCHEMA = 'cotton_restore_in_progress';
/** Without IF NOT EXISTS: a schema of that name we did not write is never adopted as ours. */
export const CREATE_RESTORE_MARKER = `
  CREATE SCHEMA ${RESTORE_MARKER_SCHEMA};
  CREATE TABLE ${RESTORE_MARKER_SCHEMA}.marker (
    restore_id text NOT NULL, backup_id text NOT NULL, manifest_key text NOT NULL, mac text NOT NULL)`;
export const INSERT_RESTORE_MARKER = `INSERT INTO ${RESTORE_MARKER_SCHEMA}.marker (restore_id, backup_id, manifest_key, mac) VALUES ($1, $2, $3, $4)`;
/**
 * Read before anything of the schema is: a view or a column type in a schema someone else owns
 * could run their functions with our privileges. Ours is an ordinary table we own, in a schema we own.
 */
export const RESTORE_MARKER_OWNERSHIP = `
  SELECT pg_get_userbyid(n.nspowner) AS owner,
         n.nspowner = (SELECT oid FROM pg_roles WHERE rolname = current_user) AS schema_ours,
         coalesce(c.relkind = 'r' AND c.relowner = n.nspowner, false) AS table_ours
    FROM pg_namespace n
    LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = 'marker'
   WHERE n.nspname = '${RESTORE_MARKER_SCHEMA}'`;
export const READ_RESTORE_MARKER = `SELECT restore_id::text, backup_id::text, manifest_key::text, mac::text FROM ${RESTORE_MARKER_SCHEMA}.marker LIMIT 2`;
export const DROP_RESTORE_MARKER = `DROP SCHEMA IF EXISTS ${RESTORE_MARKER_SCHEMA} CASCADE`;
export const RESTORE_MARKER_PRESENT = `SELECT to_regnamespace('${RESTORE_MARKER_SCHEMA}') IS NOT NULL AS present`;
/** A restore whose stream is in the event store was recorded, so it is over: its marker is stale. */
export const RESTORE_STREAM_RECORDED = 'SELECT EXISTS (SELECT 1 FROM cotton_backup.events WHERE stream_id = $1) AS recorded';
export const CURRENT_DATABASE = 'SELECT current_database() AS name';
