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
  damaged_keys         text[] NOT NULL DEFAULT '{}',
  last_pruned_at       timestamptz,
  objects_deleted      bigint NOT NULL DEFAULT 0,
  bytes_freed          bigint NOT NULL DEFAULT 0
);

-- Which backups each target holds completely (its catch-up plan reads it).
CREATE TABLE cotton_backup.copied_backups (
  target       text NOT NULL,
  backup_id    text NOT NULL,
  manifest_key text NOT NULL,
  copied_at    timestamptz NOT NULL,
  PRIMARY KEY (target, backup_id)
);

-- A prune's memory between runs, not a read model: when each object of a target was first seen
-- unmarked. It is deleted only once unmarked for longer than the grace period (a copy in flight
-- writes objects before its manifest names them).
CREATE TABLE cotton_backup.copy_condemned (
  target text NOT NULL,
  key    text NOT NULL,
  since  timestamptz NOT NULL,
  PRIMARY KEY (target, key)
);
