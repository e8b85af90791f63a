/** The last pass or fail event of a check ($1 pass type, $2 fail type, $3 stream prefix). */
export const LATEST_CHECK = `
  SELECT type, data, occurred_at FROM cotton_backup.events
   WHERE type IN ($1, $2) AND starts_with(stream_id, $3)
   ORDER BY global_position DESC LIMIT 1`;

export const LATEST_SUCCEEDED = `
  SELECT backup_id, finished_at, dump_bytes, duration_ms, new_bytes, stored_bytes_written
    FROM cotton_backup.backup_history WHERE status = 'succeeded'
   ORDER BY finished_at DESC NULLS LAST LIMIT 1`;

export const RUNNING = `SELECT EXISTS (SELECT 1 FROM cotton_backup.backup_history WHERE status = 'running') AS running`;

export const TIMELINE = `
  SELECT backup_id, status, started_at, dump_bytes, new_bytes, duration_ms, failed_step
    FROM cotton_backup.backup_history ORDER BY started_at DESC, backup_id DESC LIMIT $1`;

export const LATEST_EVENTS = `
  SELECT global_position::text AS position, type, stream_id, occurred_at
    FROM cotton_backup.events ORDER BY global_position DESC LIMIT $1`;
