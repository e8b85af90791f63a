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
 * Cotton's time zone: `timezone` of the newest server_settings row (COTTON.md §5, §9). Read
 * through to_jsonb so that a table without created_at (older Cotton) still answers, by id.
 */
export const NEWEST_SERVER_TIMEZONE = `
  SELECT s.timezone FROM public.server_settings s
   ORDER BY (to_jsonb(s) ->> 'created_at')::timestamptz DESC NULLS LAST, s.id DESC LIMIT 1`;
