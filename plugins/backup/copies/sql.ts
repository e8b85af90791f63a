/** The copy targets' read model (migration 007) and the copy run's lock. */

/** The backups the database records this target holds, newest copy first (an index rebuild's candidates, what a target must not fall behind). */
export const HELD_BY_TARGET = `
  SELECT backup_id, manifest_key, to_char(copied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS copied_at
    FROM cotton_backup.copied_backups WHERE target = $1 ORDER BY copied_at DESC LIMIT 100`;

export const TARGET_LAST_COPIED = 'SELECT last_backup_id, last_manifest_key FROM cotton_backup.copy_targets WHERE target = $1';

export const TARGET_STATES = `
  SELECT target, first_seen_at, last_started_at, last_success_at, last_backup_id, last_manifest_key, last_failure_at, last_error,
         copies_completed, copies_failed, objects_sent::text, bytes_sent::text, objects_skipped::text, bytes_skipped::text,
         (SELECT count(*)::int FROM cotton_backup.copied_backups c WHERE c.target = t.target) AS backups_held
    FROM cotton_backup.copy_targets t
   ORDER BY target`;

/** Succeeded backups retention has not expired, oldest first, with whether this target holds them. */
export const BACKUPS_TO_HOLD = `
  SELECT h.backup_id, h.manifest_key, (c.backup_id IS NOT NULL) AS held
    FROM cotton_backup.backup_history h
    LEFT JOIN cotton_backup.copied_backups c ON c.target = $1 AND c.backup_id = h.backup_id
   WHERE h.status = 'succeeded' AND h.manifest_key IS NOT NULL AND h.retention IS DISTINCT FROM 'expired'
   ORDER BY h.started_at ASC`;


// One copy run per target at a time, across hosts: a session-level advisory lock.
export const TRY_TARGET_LOCK = "SELECT pg_try_advisory_lock(hashtextextended('cotton_backup.copy-target:' || $1, 0)) AS locked";
export const TARGET_UNLOCK = "SELECT pg_advisory_unlock(hashtextextended('cotton_backup.copy-target:' || $1, 0))";

/** The target's last success (or since when it is known, never having succeeded). */
export const TARGET_LAST_SUCCESS = `
  SELECT last_success_at, first_seen_at FROM cotton_backup.copy_targets WHERE target = $1`;

export const DAMAGED_KEYS = 'SELECT damaged_keys FROM cotton_backup.copy_targets WHERE target = $1';

export const CONDEMNED = 'SELECT key, since FROM cotton_backup.copy_condemned WHERE target = $1';

export const CONDEMN = `
  INSERT INTO cotton_backup.copy_condemned (target, key, since) SELECT $1, unnest($2::text[]), $3
  ON CONFLICT (target, key) DO NOTHING`;

/** Rows of keys no longer unmarked (marked again, or deleted). */
export const ABSOLVE = 'DELETE FROM cotton_backup.copy_condemned WHERE target = $1 AND NOT (key = ANY ($2::text[]))';

/** Whether the database has Cotton's chunks table (a prune's last check reads it). */
export const COTTON_CHUNKS_PRESENT = "SELECT to_regclass('public.chunks') IS NOT NULL AS present";

/** Of the given keys ($1 text[] of hex), those that have a row in Cotton's chunks table. */
export const KEYS_WITH_CHUNK_ROWS = `
  SELECT encode(c.hash, 'hex') AS key FROM public.chunks c
   WHERE c.hash = ANY (SELECT decode(k, 'hex') FROM unnest($1::text[]) AS k)`;
