/** Retention's statements on the catalogue (backup_history) and its locks. */

/** Completed backups not expired yet: what the policy decides over, with what was decided last. */
export const RETENTION_CANDIDATES = `
  SELECT backup_id, origin, manifest_key, retention, retention_rules, manifest_unreadable_since IS NOT NULL AS unreadable,
         to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at
    FROM cotton_backup.backup_history
   WHERE status = 'succeeded' AND manifest_key IS NOT NULL AND retention IS DISTINCT FROM 'expired'`;

/** Expired backups whose objects have not been handed back to Cotton's GC yet. */
export const UNRELEASED_EXPIRED = `
  SELECT backup_id, manifest_key FROM cotton_backup.backup_history
   WHERE retention = 'expired' AND released_at IS NULL AND manifest_key IS NOT NULL`;

export const BACKUP_KNOWN = 'SELECT EXISTS (SELECT 1 FROM cotton_backup.backup_history WHERE backup_id = $1) AS known';

export const CATALOGUED_AMONG = 'SELECT backup_id FROM cotton_backup.backup_history WHERE backup_id = ANY($1::text[])';

export const LATEST_PROJECTED = 'SELECT backup_id FROM cotton_backup.latest_backup';

/** One retention run at a time across hosts and the CLI: plan, record, pin and release never interleave. */
export const RETENTION_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('cotton_backup.retention/' || current_database(), 0))";

/** Readers (restore, verify) hold this shared for as long as they read one backup. */
export const READ_LEASE = "SELECT pg_advisory_lock_shared(hashtextextended('cotton_backup.read/' || $1::text, 0))";
export const READ_LEASE_END = "SELECT pg_advisory_unlock_shared(hashtextextended('cotton_backup.read/' || $1::text, 0))";
/** Retention takes it exclusively, for its transaction, before expiring a backup: fails while anyone reads it. */
export const TRY_EXPIRE_LOCK = "SELECT pg_try_advisory_xact_lock(hashtextextended('cotton_backup.read/' || $1::text, 0)) AS free";
