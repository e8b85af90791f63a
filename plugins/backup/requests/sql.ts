/** Requests still to serve: never picked up, or whose backup failed fewer than three times. */
export const PENDING_REQUESTS = `
  SELECT request_id::text FROM cotton_backup.checkpoint_requests
   WHERE status IN ('pending', 'retrying') ORDER BY global_position LIMIT 10000`;

/** A request is retried until this many backups for it failed (checkpoint_requests, migration 010). */
export const MAX_ATTEMPTS = 3;

/** A request's status and how many of its backups failed, for the CLI's failure message. */
export const REQUEST_FATE = `
  SELECT status, failed_attempts::int FROM cotton_backup.checkpoint_requests WHERE request_id = $1::uuid`;

export const REQUEST_STATUS = `
  SELECT status, backup_id FROM cotton_backup.checkpoint_requests WHERE request_id = $1::uuid`;


/** Newest first, for GET /backups. */
export const BACKUP_HISTORY_PAGE = `
  SELECT backup_id, status, request_ids, source_database, started_at, finished_at, duration_ms, dump_bytes,
         chunk_count, new_chunks, reused_chunks, new_bytes, reused_bytes, stored_bytes_written, manifest_key,
         previous_manifest_key, pointer_advanced, failed_step, failure_message,
         origin, retention, retention_rules, expired_at
    FROM cotton_backup.backup_history ORDER BY started_at DESC, backup_id DESC LIMIT $1`;

/** The durable request path, also used by the CLI: the request exists once the caller commits. */
export const REQUEST_CHECKPOINT = `SELECT cotton_backup.request_checkpoint($1)::text AS request_id`;

/** The login role of a backend (a NOTIFY's sender); no row once it has disconnected. */
export const ROLE_OF_BACKEND = `SELECT usename::text AS role FROM pg_catalog.pg_stat_activity WHERE pid = $1`;
