/** Requests still to serve: never picked up, or whose backup failed fewer than three times. */
export const PENDING_REQUESTS = `
  SELECT request_id::text FROM cotton_backup.checkpoint_requests
   WHERE status IN ('pending', 'retrying') ORDER BY global_position LIMIT 10000`;

export const REQUEST_STATUS = `
  SELECT status, backup_id FROM cotton_backup.checkpoint_requests WHERE request_id = $1::uuid`;
