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
