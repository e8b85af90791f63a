/** Metrics are read from the read models and events at scrape time: they survive restarts and agree across hosts. */

export const BACKUP_TOTALS = `
  SELECT extract(epoch FROM max(finished_at) FILTER (WHERE status = 'succeeded'))::float8 AS last_success,
         extract(epoch FROM max(started_at))::float8 AS last_attempt,
         count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
         count(*) FILTER (WHERE status = 'failed')::int AS failed,
         count(*) FILTER (WHERE status = 'running')::int AS running
    FROM cotton_backup.backup_history`;

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
         (array_agg((data ->> 'durationMs')::float8 ORDER BY global_position DESC) FILTER (WHERE type = $1))[1] AS last_duration_ms
    FROM cotton_backup.events
   WHERE type IN ($1, $2) AND starts_with(stream_id, $3)`;

export const PENDING_REQUEST_COUNT = `
  SELECT count(*)::int AS n FROM cotton_backup.checkpoint_requests WHERE status IN ('pending', 'retrying')`;

/** The backup cron as pg-boss holds it (whichever host wrote it last). */
export const BACKUP_SCHEDULE = `
  SELECT cron, timezone FROM pgboss.schedule WHERE name = $1 LIMIT 1`;
