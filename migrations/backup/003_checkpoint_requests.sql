-- Durable backup requests from SQL, and the view that answers "was my request served?".

CREATE INDEX backup_history_request_ids ON cotton_backup.backup_history USING gin (request_ids);

-- Records BackupRequested inside the caller's transaction: the request exists exactly when the
-- caller commits, and the NOTIFY that wakes the host is delivered only then as well.
CREATE FUNCTION cotton_backup.request_checkpoint(reason text DEFAULT '')
RETURNS uuid
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_request_id uuid := gen_random_uuid();
BEGIN
  IF reason IS NOT NULL AND length(reason) > 500 THEN
    RAISE EXCEPTION 'cotton_backup.request_checkpoint: reason is % characters long; at most 500 are allowed', length(reason)
      USING errcode = 'invalid_parameter_value';
  END IF;
  PERFORM cotton_backup.append_event(
    'request-' || v_request_id, 0, 'BackupRequested',
    jsonb_build_object('requestId', v_request_id, 'source', 'sql', 'reason', coalesce(reason, ''),
                       'requestedBy', left(session_user::text, 200)));
  PERFORM pg_notify('cotton_backup', json_build_object('requestId', v_request_id)::text);
  RETURN v_request_id;
END
$$;

-- One row per request: pending until a backup picks it up, then that backup's outcome.
-- A request whose backup failed is retried ("retrying") up to three attempts, then "failed".
CREATE VIEW cotton_backup.checkpoint_requests AS
SELECT (r.data ->> 'requestId')::uuid AS request_id,
       r.data ->> 'source'            AS source,
       r.data ->> 'reason'            AS reason,
       r.data ->> 'requestedBy'       AS requested_by,
       r.occurred_at                  AS requested_at,
       CASE WHEN s.succeeded IS NOT NULL THEN 'served'
            WHEN s.running IS NOT NULL THEN 'running'
            WHEN s.failures >= 3 THEN 'failed'
            WHEN s.failures > 0 THEN 'retrying'
            ELSE 'pending' END       AS status,
       coalesce(s.succeeded, s.running, s.last_failed) AS backup_id,
       s.failures                     AS failed_attempts,
       s.served_at,
       r.global_position
  FROM cotton_backup.events r
  CROSS JOIN LATERAL (
    SELECT max(h.backup_id) FILTER (WHERE h.status = 'succeeded') AS succeeded,
           max(h.backup_id) FILTER (WHERE h.status = 'running')   AS running,
           (array_agg(h.backup_id ORDER BY h.started_at DESC) FILTER (WHERE h.status = 'failed'))[1] AS last_failed,
           count(*) FILTER (WHERE h.status = 'failed')            AS failures,
           max(h.finished_at) FILTER (WHERE h.status = 'succeeded') AS served_at
      FROM cotton_backup.backup_history h
     WHERE h.request_ids @> ARRAY[r.data ->> 'requestId']
  ) s
 WHERE r.type = 'BackupRequested';
