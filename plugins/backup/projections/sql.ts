/** The projection statements: one per event they react to. */

export const INSERT_STARTED = `
  INSERT INTO cotton_backup.backup_history (backup_id, status, request_ids, source_database, started_at)
  VALUES ($1, 'running', $2, $3, $4)
  ON CONFLICT (backup_id) DO NOTHING`;

export const UPDATE_DUMPED = `
  UPDATE cotton_backup.backup_history
     SET dump_bytes = $2, dump_sha256 = $3, pg_dump_version = $4, server_version = $5
   WHERE backup_id = $1`;

export const UPDATE_CHUNKED = `
  UPDATE cotton_backup.backup_history
     SET chunk_count = $2, new_chunks = $3, reused_chunks = $4, new_bytes = $5, reused_bytes = $6, stored_bytes_written = $7
   WHERE backup_id = $1`;

export const UPDATE_MANIFEST = `
  UPDATE cotton_backup.backup_history
     SET manifest_key = $2, previous_manifest_key = $3, rerecorded = rerecorded OR $4
   WHERE backup_id = $1`;

export const UPDATE_POINTER = `
  UPDATE cotton_backup.backup_history
     SET status = 'succeeded', pointer_advanced = true, finished_at = $2,
         duration_ms = (extract(epoch FROM ($2::timestamptz - started_at)) * 1000)::bigint,
         manifest_key = coalesce(manifest_key, $3), rerecorded = rerecorded OR $4
   WHERE backup_id = $1`;

export const UPSERT_LATEST = `
  INSERT INTO cotton_backup.latest_backup (singleton, backup_id, manifest_key, previous_manifest_key, advanced_at, global_position)
  VALUES (true, $1, $2, $3, $4, $5)
  ON CONFLICT (singleton) DO UPDATE
     SET backup_id = EXCLUDED.backup_id, manifest_key = EXCLUDED.manifest_key,
         previous_manifest_key = EXCLUDED.previous_manifest_key, advanced_at = EXCLUDED.advanced_at,
         global_position = EXCLUDED.global_position`;

export const UPDATE_FAILED = `
  UPDATE cotton_backup.backup_history
     SET status = 'failed', finished_at = $2,
         duration_ms = (extract(epoch FROM ($2::timestamptz - started_at)) * 1000)::bigint,
         failed_step = $3, failure_class = $4, failure_message = $5
   WHERE backup_id = $1 AND status <> 'succeeded'`;

export const INSERT_ADMIN_NOTIFICATION = `
  INSERT INTO cotton_backup.admin_notifications (notification_id, user_id, kind, title, priority, stream_id, sent_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
  ON CONFLICT (notification_id) DO NOTHING`;

export const UPDATE_KEPT = `
  UPDATE cotton_backup.backup_history
     SET retention = 'kept', retention_rules = $2, retention_decided_at = $3
   WHERE backup_id = $1`;

export const UPDATE_EXPIRED = `
  UPDATE cotton_backup.backup_history
     SET retention = 'expired', retention_rules = '{}', retention_decided_at = $2, expired_at = $2
   WHERE backup_id = $1`;

export const UPDATE_RELEASED = `
  UPDATE cotton_backup.backup_history SET released_at = $2, released_objects = $3 WHERE backup_id = $1`;

/** Retention found a kept backup's manifest unreadable ($2 since, $3 the problem), or readable again ($2 and $3 NULL). */
export const UPDATE_MANIFEST_READABILITY = `
  UPDATE cotton_backup.backup_history SET manifest_unreadable_since = $2, manifest_problem = $3 WHERE backup_id = $1`;

/** A backup found in storage (a readable manifest the pointer or the index named): complete by definition. */
export const INSERT_DISCOVERED = `
  INSERT INTO cotton_backup.backup_history
         (backup_id, status, origin, source_database, started_at, finished_at, dump_bytes, chunk_count, manifest_key)
  VALUES ($1, 'succeeded', $7, $2, $3, $3, $4, $5, $6)
  ON CONFLICT (backup_id) DO NOTHING`;

export const TRUNCATE_PROJECTIONS =
  'TRUNCATE cotton_backup.backup_history, cotton_backup.latest_backup, cotton_backup.admin_notifications, cotton_backup.copy_targets, cotton_backup.copied_backups';

export const SELECT_RUNNING = "SELECT backup_id FROM cotton_backup.backup_history WHERE status = 'running'";

// copy_targets and copied_backups: written only by the copy events' projection (project-copies.ts).
export const COPY_STARTED = `
  INSERT INTO cotton_backup.copy_targets (target, first_seen_at, last_started_at) VALUES ($1, $2, $2)
  ON CONFLICT (target) DO UPDATE SET last_started_at = excluded.last_started_at`;

export const COPY_COMPLETED = `
  INSERT INTO cotton_backup.copy_targets AS t
         (target, first_seen_at, last_success_at, last_backup_id, last_manifest_key, copies_completed, objects_sent, bytes_sent, objects_skipped, bytes_skipped)
  VALUES ($1, $2, $2, $3, $4, 1, $5, $6, $7, $8)
  ON CONFLICT (target) DO UPDATE SET
         last_success_at = excluded.last_success_at,
         last_backup_id = CASE WHEN $9 THEN excluded.last_backup_id ELSE coalesce(t.last_backup_id, excluded.last_backup_id) END,
         last_manifest_key = CASE WHEN $9 THEN excluded.last_manifest_key ELSE coalesce(t.last_manifest_key, excluded.last_manifest_key) END,
         copies_completed = t.copies_completed + 1,
         objects_sent = t.objects_sent + excluded.objects_sent,
         bytes_sent = t.bytes_sent + excluded.bytes_sent,
         objects_skipped = t.objects_skipped + excluded.objects_skipped,
         bytes_skipped = t.bytes_skipped + excluded.bytes_skipped`;

export const COPIED_BACKUP = `
  INSERT INTO cotton_backup.copied_backups (target, backup_id, manifest_key, copied_at) VALUES ($1, $2, $3, $4)
  ON CONFLICT (target, backup_id) DO UPDATE SET copied_at = excluded.copied_at`;

export const COPY_FAILED = `
  INSERT INTO cotton_backup.copy_targets AS t (target, first_seen_at, last_failure_at, last_error, copies_failed) VALUES ($1, $2, $2, $3, 1)
  ON CONFLICT (target) DO UPDATE SET last_failure_at = excluded.last_failure_at, last_error = excluded.last_error,
         copies_failed = t.copies_failed + 1`;

export const TARGET_VERIFIED = `
  INSERT INTO cotton_backup.copy_targets (target, first_seen_at, damaged_keys) VALUES ($1, $2, $3)
  ON CONFLICT (target) DO UPDATE SET damaged_keys = excluded.damaged_keys`;

export const DAMAGE_REPAIRED = `
  UPDATE cotton_backup.copy_targets
     SET damaged_keys = ARRAY(SELECT k FROM unnest(damaged_keys) AS k WHERE k <> ALL ($2::text[]))
   WHERE target = $1`;

export const TARGET_PRUNED = `
  INSERT INTO cotton_backup.copy_targets AS t (target, first_seen_at, last_pruned_at, objects_deleted, bytes_freed) VALUES ($1, $2, $2, $3, $4)
  ON CONFLICT (target) DO UPDATE SET last_pruned_at = excluded.last_pruned_at,
         objects_deleted = t.objects_deleted + excluded.objects_deleted, bytes_freed = t.bytes_freed + excluded.bytes_freed`;

export const FORGET_COPIED_BACKUPS = 'DELETE FROM cotton_backup.copied_backups WHERE target = $1 AND backup_id = ANY ($2::text[])';

