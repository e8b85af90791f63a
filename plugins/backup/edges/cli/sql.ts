export const LIST_BACKUPS = `
  SELECT backup_id, status, started_at, finished_at, duration_ms, dump_bytes, chunk_count, new_chunks, reused_chunks,
         new_bytes, reused_bytes, stored_bytes_written, manifest_key, failed_step, failure_message, rerecorded,
         origin, retention, retention_rules, expired_at
    FROM cotton_backup.backup_history ORDER BY started_at DESC LIMIT $1`;

/** LIST_BACKUPS's bigint columns (pg hands them over as strings): `list --json` prints them as numbers. */
export const LIST_NUMERIC_COLUMNS = ['duration_ms', 'dump_bytes', 'chunk_count', 'new_chunks', 'reused_chunks', 'new_bytes', 'reused_bytes', 'stored_bytes_written'] as const;
