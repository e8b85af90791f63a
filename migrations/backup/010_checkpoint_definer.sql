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
