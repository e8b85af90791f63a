export const LIST_BACKUPS = `
  SELECT backup_id, status, started_at, finished_at, duration_ms, dump_bytes, chunk_count, new_chunks, reused_chunks,
         new_bytes, reused_bytes, stored_bytes_written, manifest_key, failed_step, failure_message, rerecorded,
         origin, retention, retention_rules, expired_at
    FROM cotton_backup.backup_history ORDER BY started_at DESC LIMIT $1`;

export const STREAM_EVENTS = `
  SELECT global_position, stream_id, stream_version, type, data, metadata, occurred_at
    FROM cotton_backup.events WHERE stream_id = $1 ORDER BY stream_version`;

/** A backup's whole story: its own stream and the requests it served. */
export const REQUESTS_OF_BACKUP = `
  SELECT e.global_position, e.stream_id, e.stream_version, e.type, e.data, e.metadata, e.occurred_at
    FROM cotton_backup.events e
   WHERE e.stream_id = ANY (SELECT 'request-' || unnest(request_ids) FROM cotton_backup.backup_history WHERE backup_id = $1)
   ORDER BY e.global_position`;

export const LAST_EVENTS = `
  SELECT global_position, stream_id, stream_version, type, data, metadata, occurred_at
    FROM cotton_backup.events ORDER BY global_position DESC LIMIT $1`;
