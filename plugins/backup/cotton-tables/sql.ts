/**
 * Cotton's own tables, and the only statements this plugin runs on them (the host reads
 * server_settings' storage columns itself: src/storage/s3/sql.ts).
 *
 * `chunks` (COTTON.md §7): the only statements this project runs on it. We only
 * ever UPDATE `gc_scheduled_after` (outside Cotton's integrity signature) on rows that exist:
 * never INSERT, never DELETE, never another column.
 */

/** True when the database has Cotton's chunks table with the GC column (a database that is not Cotton's has none). */
export const CHUNKS_TABLE_PRESENT = `
  SELECT EXISTS (
    SELECT 1 FROM pg_attribute
     WHERE attrelid = to_regclass('public.chunks') AND attname = 'gc_scheduled_after' AND NOT attisdropped
  ) AS present`;

/**
 * Holds the GC off the rows of the given keys ($1 text[] of hex keys) until $2. A row already
 * pinned beyond $3 is left alone, so a re-pin writes only rows Cotton has (re)scheduled or reset.
 */
export const PIN_OBJECTS = `
  UPDATE public.chunks c SET gc_scheduled_after = $2
    FROM unnest($1::text[]) AS k(hex)
   WHERE c.hash = decode(k.hex, 'hex')
     AND (c.gc_scheduled_after IS NULL OR c.gc_scheduled_after < $3)`;

/** Hands rows back to Cotton's GC: NULL is what Cotton's step 2 schedules from. */
export const RELEASE_OBJECTS = `
  UPDATE public.chunks c SET gc_scheduled_after = NULL
    FROM unnest($1::text[]) AS k(hex)
   WHERE c.hash = decode(k.hex, 'hex') AND c.gc_scheduled_after IS NOT NULL`;

/** Cotton's rule for "empty" (COTTON.md §5): no applied migrations, or no user and no server settings. */
export const COTTON_TABLES_PRESENT = `
  SELECT to_regclass('public."__EFMigrationsHistory"') IS NOT NULL AS migrations,
         to_regclass('public.users') IS NOT NULL AS users,
         to_regclass('public.server_settings') IS NOT NULL AS settings`;
export const COUNT_MIGRATIONS = 'SELECT count(*)::int AS n FROM public."__EFMigrationsHistory"';
export const ANY_USER = 'SELECT EXISTS (SELECT 1 FROM public.users) AS present';
export const ANY_SETTINGS = 'SELECT EXISTS (SELECT 1 FROM public.server_settings) AS present';

export const SERVER_SETTINGS_PRESENT = `SELECT to_regclass('public.server_settings') IS NOT NULL AS present`;
/**
 * Cotton's time zone: `timezone` of the newest server_settings row (COTTON.md §5, §9). Read
 * through to_jsonb so that a table without created_at (older Cotton) still answers, by id.
 */
export const NEWEST_SERVER_TIMEZONE = `
  SELECT s.timezone FROM public.server_settings s
   ORDER BY (to_jsonb(s) ->> 'created_at')::timestamptz DESC NULLS LAST, s.id DESC LIMIT 1`;

/** Cotton's tables a notification needs (COTTON.md §5); absent in a truly empty database. */
export const NOTIFICATIONS_TABLE_PRESENT =
  "SELECT to_regclass('public.notifications') IS NOT NULL AND to_regclass('public.users') IS NOT NULL AS present";

/** Cotton's admins: role 2. */
export const ADMINS = 'SELECT id::text AS id FROM public.users WHERE role = 2 ORDER BY id';

/** One row of Cotton's notifications; an id already there (a retry) inserts nothing and returns no row. */
export const INSERT_NOTIFICATION = `
  INSERT INTO public.notifications (id, title, content, metadata, user_id, priority, created_at, updated_at)
  VALUES ($1::uuid, $2, $3, hstore($4::text[], $5::text[]), $6::uuid, $7, now(), now())
  ON CONFLICT (id) DO NOTHING
  RETURNING id::text AS id`;

/**
 * The columns through which Cotton references a chunk (COTTON.md §7): a chunk named by any of
 * them is never collected. A column missing in this database (older Cotton, plain PostgreSQL) is
 * left out; the list is fixed here, so identifiers never come from outside.
 */
export const REFERENCE_COLUMNS = [
  { table: 'file_manifest_chunks', column: 'chunk_hash' },
  { table: 'file_manifests', column: 'small_file_preview_hash' },
  { table: 'file_manifests', column: 'large_file_preview_hash' },
  { table: 'users', column: 'avatar_hash' },
] as const;
export type ReferenceColumn = (typeof REFERENCE_COLUMNS)[number];

/** Which of REFERENCE_COLUMNS ($1 tables, $2 columns, pairwise) exist as bytea in public. */
export const PRESENT_REFERENCE_COLUMNS = `
  SELECT r.t AS table, r.c AS column
    FROM unnest($1::text[], $2::text[]) AS r(t, c)
    JOIN pg_attribute a ON a.attrelid = to_regclass(format('public.%I', r.t)) AND a.attname = r.c AND NOT a.attisdropped
   WHERE a.atttypid = 'bytea'::regtype`;

/** Every hash the present reference columns name, distinct (one set operation, no row leaves the server). */
export const referencedHashes = (columns: readonly ReferenceColumn[]): string =>
  columns.map((r) => `SELECT ${r.column} AS hash FROM public.${r.table} WHERE ${r.column} IS NOT NULL`).join(' UNION ');

/**
 * True for a chunks row (alias c) that no live file, preview or avatar references now. Written as
 * NOT EXISTS joined by AND (not NOT of an OR) so that PostgreSQL plans each as a hash anti-join
 * rather than a scan per row: the columns need no index.
 */
export const unreferencedNow = (columns: readonly ReferenceColumn[]): string =>
  columns.length === 0 ? 'true' : columns.map((r) => `NOT EXISTS (SELECT 1 FROM public.${r.table} x WHERE x.${r.column} = c.hash)`).join(' AND ');

/**
 * Pins the chunks the kept backups' databases referenced ($1 backup ids) until $2, like
 * PIN_OBJECTS (a row pinned beyond $3 is left alone). A row a live file references is skipped:
 * Cotton's GC resets those every run, and re-pinning them would rewrite every file's row each time.
 * Driven from those few candidate rows (neither referenced nor pinned), held in a hash while the
 * records stream past them: the records are never sorted or made distinct.
 */
export const pinFileChunks = (columns: readonly ReferenceColumn[]): string => `
  WITH candidates AS MATERIALIZED (
    SELECT c.hash FROM public.chunks c
     WHERE (c.gc_scheduled_after IS NULL OR c.gc_scheduled_after < $3) AND ${unreferencedNow(columns)})
  UPDATE public.chunks c SET gc_scheduled_after = $2
   WHERE c.hash IN (SELECT k.hash FROM (SELECT unnest(r.hashes) AS hash FROM cotton_backup.referenced_chunk_recordings r
                                         WHERE r.backup_id = ANY($1::text[])) k
                     WHERE k.hash IN (SELECT hash FROM candidates))
     AND (c.gc_scheduled_after IS NULL OR c.gc_scheduled_after < $3)`;

/**
 * Hands back to Cotton's GC the chunks only a released backup's database referenced ($1): not
 * those a kept backup's ($2) did, nor objects of kept backups ($3 hex keys). Only rows pinned by
 * us (beyond $4, which no delay of Cotton's reaches) are reset; Cotton's own schedules stay.
 */
export const RELEASE_FILE_CHUNKS = `
  UPDATE public.chunks c SET gc_scheduled_after = NULL
    FROM (SELECT unnest(r.hashes) AS hash FROM cotton_backup.referenced_chunk_recordings r WHERE r.backup_id = $1
          EXCEPT
          SELECT unnest(r.hashes) FROM cotton_backup.referenced_chunk_recordings r WHERE r.backup_id = ANY($2::text[])) k
   WHERE c.hash = k.hash AND c.gc_scheduled_after > $4
     AND encode(c.hash, 'hex') <> ALL($3::text[])`;
