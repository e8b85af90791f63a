/** The statements of `cotton-backup check` and `info`: reads only, on the plugin's read models and pg-boss's schedule table. */

export const BACKUP_SCHEMA_PRESENT = `SELECT to_regclass('cotton_backup.events') IS NOT NULL AS present`;

/** Whether role $1 exists and may call request_checkpoint() (EXECUTE on it, USAGE on its schema). */
export const CHECKPOINT_RIGHTS = `
  SELECT r.rolname AS role,
         has_schema_privilege(r.oid, 'cotton_backup', 'USAGE') AS usage,
         has_function_privilege(r.oid, 'cotton_backup.request_checkpoint(text)', 'EXECUTE') AS execute
    FROM unnest($1::text[]) AS n(name)
    LEFT JOIN pg_roles r ON r.rolname = n.name
   ORDER BY n.name`;

export const CURRENT_ROLE = `SELECT current_user AS role, current_setting('server_version') AS version`;

/** Every cron pg-boss holds (whichever host wrote it last); none before a host has started. */
export const PGBOSS_SCHEDULES = `
  SELECT name, cron, timezone FROM pgboss.schedule
   WHERE to_regclass('pgboss.schedule') IS NOT NULL ORDER BY name`;
export const PGBOSS_SCHEDULE_PRESENT = `SELECT to_regclass('pgboss.schedule') IS NOT NULL AS present`;

/** The newest completed backup and the newest one a verification passed on. */
export const NEWEST_BACKUPS = `
  SELECT (SELECT max(finished_at) FROM cotton_backup.backup_history WHERE status = 'succeeded') AS newest_backup,
         (SELECT max(occurred_at) FROM cotton_backup.events WHERE type = 'Verified') AS newest_verified,
         (SELECT data ->> 'backupId' FROM cotton_backup.events WHERE type = 'Verified'
           ORDER BY global_position DESC LIMIT 1) AS verified_backup`;

/** The newest copy on each target ($1 the configured names). */
export const NEWEST_COPIES = `
  SELECT n.target, max(c.copied_at) AS newest_copy, count(c.backup_id)::int AS held
    FROM unnest($1::text[]) AS n(target)
    LEFT JOIN cotton_backup.copied_backups c ON c.target = n.target
   GROUP BY n.target ORDER BY n.target`;

/** The backups retention keeps, with their manifests (their objects are what the pins hold). */
export const KEPT_BACKUPS = `
  SELECT backup_id, manifest_key FROM cotton_backup.backup_history
   WHERE status = 'succeeded' AND manifest_key IS NOT NULL AND retention = 'kept'`;
export const UNDECIDED_BACKUPS = `
  SELECT count(*)::int AS n FROM cotton_backup.backup_history
   WHERE status = 'succeeded' AND manifest_key IS NOT NULL AND retention IS NULL`;

/** Of the chunks rows of these keys ($1 hex keys), those not held off Cotton's GC beyond $2. */
export const UNPINNED_ROWS = `
  SELECT count(*)::int AS n FROM public.chunks c
    JOIN unnest($1::text[]) AS k(hex) ON c.hash = decode(k.hex, 'hex')
   WHERE c.gc_scheduled_after IS NULL OR c.gc_scheduled_after < $2`;

/**
 * Every completed backup for `info`, newest first: its size and time, what retention decided,
 * when a verification and a drill last passed on it, and the copy targets recorded to hold it.
 */
export const BACKUP_INFO = `
  SELECT h.backup_id, h.origin, h.started_at, h.finished_at, h.duration_ms::float8 AS duration_ms,
         h.dump_bytes::float8 AS dump_bytes, h.stored_bytes_written::float8 AS stored_bytes, h.chunk_count,
         h.manifest_key, h.retention, h.retention_rules, h.expired_at, h.released_at,
         (SELECT max(e.occurred_at) FROM cotton_backup.events e WHERE e.type = 'Verified' AND e.data ->> 'backupId' = h.backup_id) AS verified_at,
         (SELECT max(e.occurred_at) FROM cotton_backup.events e WHERE e.type = 'DrillPassed' AND e.data ->> 'backupId' = h.backup_id) AS drilled_at,
         coalesce((SELECT array_agg(c.target ORDER BY c.target) FROM cotton_backup.copied_backups c WHERE c.backup_id = h.backup_id), '{}') AS copies
    FROM cotton_backup.backup_history h
   WHERE h.status = 'succeeded' AND h.manifest_key IS NOT NULL
   ORDER BY h.started_at DESC`;
