-- Issue 27 point 9. request_checkpoint() ran with its caller's rights, so a caller needed INSERT
-- on cotton_backup.events, and a role with that grant could write any event it liked (a request
-- claiming source "api" by "admin" was served and audited as genuine).
--
-- Now it runs with its owner's rights, and callers get EXECUTE on it alone:
--   GRANT USAGE ON SCHEMA cotton_backup TO some_role;
--   GRANT EXECUTE ON FUNCTION cotton_backup.request_checkpoint(text) TO some_role;
-- It records only what it knows itself: source 'sql' and session_user (the login role, which
-- SET ROLE does not change). Its single argument is a reason, stored as text.

CREATE OR REPLACE FUNCTION cotton_backup.request_checkpoint(reason text DEFAULT '')
RETURNS uuid
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
-- Pinned, pg_temp last: a caller's own schemas or temporary objects can never stand in for
-- anything this function calls with its owner's rights.
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

-- A SECURITY DEFINER function executable by PUBLIC would hand every role the right to append.
REVOKE ALL ON FUNCTION cotton_backup.request_checkpoint(text) FROM PUBLIC;

-- Records, once per stored event, that it failed validation on read (StoredEventRejected, built
-- and validated by plugins/backup/events/record-rejection.ts). Its stream is named after the
-- event's global position; "once" is checked on the data (position, stream and version), not on
-- the stream's existence, so that a row forged into that stream, or a record carried over from a
-- replaced store (plugins/backup/events/carry-over-events.ts), cannot stand in for it.
-- Returns false when it was there.
CREATE FUNCTION cotton_backup.record_stored_event_rejected(p_global_position bigint, p_data jsonb)
RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_stream text := 'stored-event-rejected-' || p_global_position;
BEGIN
  -- The lock append_events takes: a concurrent reader waits here, then sees the first one's record.
  PERFORM pg_advisory_xact_lock(hashtextextended('cotton_backup.events/' || v_stream, 0));
  IF EXISTS (SELECT 1 FROM cotton_backup.events e
              WHERE e.stream_id = v_stream AND e.type = 'StoredEventRejected'
                AND e.data ->> 'globalPosition' = p_global_position::text
                AND e.data ->> 'streamId' = p_data ->> 'streamId'
                AND e.data ->> 'streamVersion' = p_data ->> 'streamVersion') THEN
    RETURN false;
  END IF;
  PERFORM cotton_backup.append_event(v_stream, NULL, 'StoredEventRejected', p_data);
  RETURN true;
END
$$;

REVOKE ALL ON FUNCTION cotton_backup.record_stored_event_rejected(bigint, jsonb) FROM PUBLIC;

-- The view read every BackupRequested's requestId with a bare ::uuid cast: one stored request
-- with a malformed id made every query on it fail, and with it the coordinator's catch-up.
-- Such a request is left out (its read is recorded as StoredEventRejected by the TypeScript
-- readers); the CASE keeps the cast from running on it whatever order the planner picks.
CREATE OR REPLACE VIEW cotton_backup.checkpoint_requests AS
SELECT CASE WHEN r.data ->> 'requestId' ~ '^([0-9a-fA-F]{4}(-?[0-9a-fA-F]{4}){7}|\{[0-9a-fA-F]{4}(-?[0-9a-fA-F]{4}){7}\})$'
            THEN (r.data ->> 'requestId')::uuid END AS request_id,
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
 WHERE r.type = 'BackupRequested'
   AND r.data ->> 'requestId' ~ '^([0-9a-fA-F]{4}(-?[0-9a-fA-F]{4}){7}|\{[0-9a-fA-F]{4}(-?[0-9a-fA-F]{4}){7}\})$';
