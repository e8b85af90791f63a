/**
 * The backup history for `list`, newest first, with when a verification and a drill last passed
 * on each backup and the copy targets recorded to hold it (the same facts `info` reads).
 */
export const LIST_BACKUPS = `
  SELECT h.backup_id, h.status, h.started_at, h.finished_at, h.duration_ms, h.dump_bytes, h.chunk_count, h.new_chunks, h.reused_chunks,
         h.new_bytes, h.reused_bytes, h.stored_bytes_written, h.manifest_key, h.failed_step, h.failure_message, h.rerecorded,
         h.origin, h.retention, h.retention_rules, h.expired_at,
         (SELECT max(e.occurred_at) FROM cotton_backup.events e WHERE e.type = 'Verified' AND e.data ->> 'backupId' = h.backup_id) AS verified_at,
         (SELECT max(e.occurred_at) FROM cotton_backup.events e WHERE e.type = 'DrillPassed' AND e.data ->> 'backupId' = h.backup_id) AS drilled_at,
         coalesce((SELECT array_agg(c.target ORDER BY c.target) FROM cotton_backup.copied_backups c WHERE c.backup_id = h.backup_id), '{}') AS copied_to
    FROM cotton_backup.backup_history h ORDER BY h.started_at DESC LIMIT $1`;

/** LIST_BACKUPS's bigint columns (pg hands them over as strings): `list --json` prints them as numbers. */
export const LIST_NUMERIC_COLUMNS = ['duration_ms', 'dump_bytes', 'chunk_count', 'new_chunks', 'reused_chunks', 'new_bytes', 'reused_bytes', 'stored_bytes_written'] as const;

/** Every backup the catalogue records: what a short id is resolved among in audit, info and forget. */
export const CATALOGUED_BACKUP_IDS = 'SELECT backup_id FROM cotton_backup.backup_history';

/** The named backups' state, for `forget <id>`: only a completed, unexpired backup can be forgotten. */
export const FORGET_STATES = `
  SELECT backup_id, status, retention, expired_at FROM cotton_backup.backup_history WHERE backup_id = ANY($1::text[])`;

/** For `verify --all`: the completed backups retention has not expired ($1 false), or those it has ($1 true). */
export const BACKUPS_BY_EXPIRY = `
  SELECT backup_id FROM cotton_backup.backup_history
   WHERE status = 'succeeded' AND manifest_key IS NOT NULL AND (retention IS NOT DISTINCT FROM 'expired') = $1
   ORDER BY started_at DESC`;
