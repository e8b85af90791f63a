/** Metrics are read from the read models and events at scrape time: they survive restarts and agree across hosts. */

export const BACKUP_TOTALS = `
  SELECT extract(epoch FROM max(finished_at) FILTER (WHERE status = 'succeeded'))::float8 AS last_success,
         extract(epoch FROM max(started_at))::float8 AS last_attempt,
         count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
         count(*) FILTER (WHERE status = 'failed')::int AS failed,
         count(*) FILTER (WHERE status = 'running')::int AS running,
         extract(epoch FROM max(coalesce(finished_at, started_at)) FILTER (WHERE status = 'failed'))::float8 AS last_failure
    FROM cotton_backup.backup_history`;

/**
 * The repository as the catalogue knows it: completed backups by retention state, and the bytes
 * stored for those whose objects were not handed back to Cotton's GC. A chunk counts once, for
 * the backup that wrote it (stored_bytes_written), so nothing is counted twice; a chunk a released
 * backup wrote that a kept one still uses is not counted (a lower bound, read without the storage).
 */
export const REPOSITORY_TOTALS = `
  SELECT coalesce(sum(stored_bytes_written) FILTER (WHERE released_at IS NULL), 0)::float8 AS stored_bytes,
         count(*) FILTER (WHERE retention = 'kept')::int AS kept,
         count(*) FILTER (WHERE retention = 'expired')::int AS expired,
         count(*) FILTER (WHERE retention IS NULL)::int AS undecided,
         count(*) FILTER (WHERE manifest_unreadable_since IS NOT NULL AND retention IS DISTINCT FROM 'expired')::int AS unreadable_manifests
    FROM cotton_backup.backup_history
   WHERE status = 'succeeded' AND manifest_key IS NOT NULL`;

/**
 * Whether the latest backup's last verification in the primary storage passed: true, false, or
 * null when none ran yet; no row when there is no latest backup. A copy target's verification
 * (metadata.target) says nothing about the primary.
 */
export const LATEST_BACKUP_VERIFIED = `
  SELECT (SELECT e.type = 'Verified'
            FROM cotton_backup.events e
           WHERE e.type IN ('Verified', 'VerificationFailed') AND starts_with(e.stream_id, 'verification-')
             AND e.data ->> 'manifestKey' = l.manifest_key AND NOT (e.metadata ? 'target')
           ORDER BY e.global_position DESC LIMIT 1) AS verified
    FROM cotton_backup.latest_backup l`;

export const LATEST_SUCCEEDED_BACKUP = `
  SELECT duration_ms::float8 AS duration_ms, dump_bytes::float8 AS dump_bytes, stored_bytes_written::float8 AS stored_bytes,
         new_bytes::float8 AS new_bytes, reused_bytes::float8 AS reused_bytes
    FROM cotton_backup.backup_history
   WHERE status = 'succeeded' AND NOT rerecorded
   ORDER BY finished_at DESC NULLS LAST LIMIT 1`;

/**
 * Outcomes of a check recorded as a pass event or a fail event in streams of one prefix
 * ($1 pass type, $2 fail type, $3 stream prefix): verifications and drills.
 */
export const CHECK_TOTALS = `
  SELECT extract(epoch FROM max(occurred_at) FILTER (WHERE type = $1))::float8 AS last_success,
         extract(epoch FROM max(occurred_at))::float8 AS last_attempt,
         count(*) FILTER (WHERE type = $1)::int AS passed,
         count(*) FILTER (WHERE type = $2)::int AS failed,
         (array_agg(type = $1 ORDER BY global_position DESC))[1] AS last_ok,
         -- Typed before the cast: one stored event with a non-numeric duration must not fail every scrape.
         (array_agg((data ->> 'durationMs')::float8 ORDER BY global_position DESC)
            FILTER (WHERE type = $1 AND jsonb_typeof(data -> 'durationMs') = 'number'))[1] AS last_duration_ms
    FROM cotton_backup.events
   WHERE type IN ($1, $2) AND starts_with(stream_id, $3)`;

export const PENDING_REQUEST_COUNT = `
  SELECT count(*)::int AS n FROM cotton_backup.checkpoint_requests WHERE status IN ('pending', 'retrying')`;

/** The backup cron as pg-boss holds it (whichever host wrote it last). */
export const BACKUP_SCHEDULE = `
  SELECT cron, timezone FROM pgboss.schedule WHERE name = $1 LIMIT 1`;

/**
 * Each copy target's state ($1 the configured names; a target with a history that is no longer
 * configured is reported too): copy_targets, and how many of the backups retention keeps it lacks
 * (copied_backups against backup_history, the set a catch-up copies).
 */
export const COPY_TARGET_STATES = `
  WITH names AS (
         SELECT unnest($1::text[]) AS target
          UNION
         SELECT target FROM cotton_backup.copy_targets),
       kept AS (
         SELECT backup_id FROM cotton_backup.backup_history
          WHERE status = 'succeeded' AND manifest_key IS NOT NULL AND retention IS DISTINCT FROM 'expired')
  SELECT n.target,
         extract(epoch FROM t.last_success_at)::float8 AS last_success,
         extract(epoch FROM greatest(t.last_started_at, t.last_success_at, t.last_failure_at))::float8 AS last_attempt,
         (SELECT count(*)::int FROM kept k
           WHERE NOT EXISTS (SELECT 1 FROM cotton_backup.copied_backups c WHERE c.target = n.target AND c.backup_id = k.backup_id)) AS behind,
         coalesce(t.bytes_sent, 0)::float8 AS bytes_sent,
         coalesce(t.copies_completed, 0)::int AS completed,
         coalesce(t.copies_failed, 0)::int AS failed
    FROM names n
    LEFT JOIN cotton_backup.copy_targets t ON t.target = n.target
   ORDER BY n.target`;

/**
 * What `increase(…{outcome="failed"}[1d])` sees, at $1: backups failed in the day before, and copy
 * failures per target (a JSON object), plus when the latest completed backup finished.
 */
export const FAILURES_LAST_DAY = `
  SELECT (SELECT count(*)::int FROM cotton_backup.backup_history
           WHERE status = 'failed' AND coalesce(finished_at, started_at) > $1::timestamptz - interval '1 day') AS backups_failed,
         coalesce((SELECT jsonb_object_agg(target, n) FROM (
                     SELECT data ->> 'target' AS target, count(*)::int AS n FROM cotton_backup.events
                      WHERE type = 'CopyFailed' AND occurred_at > $1::timestamptz - interval '1 day' GROUP BY 1) f), '{}') AS copies_failed,
         extract(epoch FROM (SELECT max(finished_at) FROM cotton_backup.backup_history WHERE status = 'succeeded'))::float8 AS latest_finished`;
