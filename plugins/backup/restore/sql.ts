/** Cotton's rule for "empty" (COTTON.md §5): no applied migrations, or no user and no server settings. */
export const COTTON_TABLES_PRESENT = `
  SELECT to_regclass('public."__EFMigrationsHistory"') IS NOT NULL AS migrations,
         to_regclass('public.users') IS NOT NULL AS users,
         to_regclass('public.server_settings') IS NOT NULL AS settings`;
export const COUNT_MIGRATIONS = 'SELECT count(*)::int AS n FROM public."__EFMigrationsHistory"';
export const ANY_USER = 'SELECT EXISTS (SELECT 1 FROM public.users) AS present';
export const ANY_SETTINGS = 'SELECT EXISTS (SELECT 1 FROM public.server_settings) AS present';

/** Schemas a failed restore may have left behind; system and extension-owned ones excluded. */
export const USER_SCHEMAS = `
  SELECT nspname AS name FROM pg_namespace
   WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
     AND nspname NOT LIKE 'pg_temp_%' AND nspname NOT LIKE 'pg_toast_temp_%'`;

export const INSTALLED_EXTENSIONS = 'SELECT extname AS name FROM pg_extension WHERE extname = ANY($1::text[])';

export const ADMINS = 'SELECT id::text AS id FROM public.users WHERE role = 2 ORDER BY id';
export const SERVER_TIMEZONE = 'SELECT timezone FROM public.server_settings ORDER BY id LIMIT 1';

export const INSERT_NOTIFICATION = `
  INSERT INTO public.notifications (id, title, content, metadata, user_id, priority, created_at, updated_at)
  VALUES ($1::uuid, $2, $3, hstore($4::text[], $5::text[]), $6::uuid, $7, now(), now())
  ON CONFLICT (id) DO NOTHING
  RETURNING id::text AS id`;
