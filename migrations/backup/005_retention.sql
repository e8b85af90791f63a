-- Retention, folded from BackupKept / BackupExpired / ObjectsReleased / BackupDiscovered.
-- backup_history stays the one catalogue of backups: ours, and Cotton's own that the pointer named.

ALTER TABLE cotton_backup.backup_history
  ADD COLUMN origin               text NOT NULL DEFAULT 'ours' CHECK (origin IN ('ours', 'foreign')),
  ADD COLUMN retention            text CHECK (retention IN ('kept', 'expired')),
  ADD COLUMN retention_rules      text[] NOT NULL DEFAULT '{}',
  ADD COLUMN retention_decided_at timestamptz,
  ADD COLUMN expired_at           timestamptz,
  ADD COLUMN released_at          timestamptz,
  ADD COLUMN released_objects     integer;

CREATE INDEX backup_history_retention ON cotton_backup.backup_history (retention) WHERE status = 'succeeded';

-- The catalogue for SQL users: every completed backup, what keeps it, or since when it expired.
CREATE VIEW cotton_backup.backup_retention AS
  SELECT backup_id, origin, started_at AS created_at, manifest_key,
         coalesce(retention, 'undecided') AS retention, retention_rules, retention_decided_at, expired_at,
         released_at, released_objects
    FROM cotton_backup.backup_history
   WHERE status = 'succeeded' AND manifest_key IS NOT NULL;
