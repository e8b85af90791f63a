// The backup lock (backup-lock.ts): the two-int advisory key form, clear of single-bigint users.
export const TRY_BACKUP_LOCK = 'SELECT pg_try_advisory_lock($1, $2) AS locked';
export const BACKUP_UNLOCK = 'SELECT pg_advisory_unlock($1, $2)';
// pg_locks lists every database's locks: the holder is looked up in this one only.
export const BACKUP_LOCK_HOLDER = `
  SELECT a.pid, a.application_name, a.client_addr::text AS client_addr, a.backend_start
    FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
   WHERE l.locktype = 'advisory' AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid AND l.granted
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
   LIMIT 1`;
