-- Each copy target's state (issue 13), folded from CopyStarted / CopyCompleted / CopyFailed.
-- One row per target name (COTTON_BACKUP_COPIES); a target removed from the variable keeps its row.
CREATE TABLE cotton_backup.copy_targets (
  target               text PRIMARY KEY,
  first_seen_at        timestamptz NOT NULL,
  last_started_at      timestamptz,
  last_success_at      timestamptz,
  last_backup_id       text,
  last_manifest_key    text,
  last_failure_at      timestamptz,
  last_error           text,
  copies_completed     integer NOT NULL DEFAULT 0,
  copies_failed        integer NOT NULL DEFAULT 0,
  objects_sent         bigint NOT NULL DEFAULT 0,
  bytes_sent           bigint NOT NULL DEFAULT 0,
  objects_skipped      bigint NOT NULL DEFAULT 0,
  bytes_skipped        bigint NOT NULL DEFAULT 0,
  -- Objects the last verification of the target found damaged, until a copy replaces them.
  damaged_keys         text[] NOT NULL DEFAULT '{}'
);

-- Which backups each target holds completely (its catch-up plan reads it).
CREATE TABLE cotton_backup.copied_backups (
  target       text NOT NULL,
  backup_id    text NOT NULL,
  manifest_key text NOT NULL,
  copied_at    timestamptz NOT NULL,
  PRIMARY KEY (target, backup_id)
);
