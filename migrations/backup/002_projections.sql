-- Read models projected from cotton_backup.events. They hold nothing the events do not:
-- cotton_backup.rebuild_projections (in TS) truncates and replays them.

CREATE TABLE cotton_backup.backup_history (
  backup_id             text PRIMARY KEY,
  status                text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  request_ids           text[] NOT NULL DEFAULT '{}',
  source_database       text NOT NULL,
  started_at            timestamptz NOT NULL,
  finished_at           timestamptz,
  duration_ms           bigint,
  dump_bytes            bigint,
  dump_sha256           text,
  pg_dump_version       text,
  server_version        text,
  chunk_count           integer,
  new_chunks            integer,
  reused_chunks         integer,
  new_bytes             bigint,
  reused_bytes          bigint,
  stored_bytes_written  bigint,
  manifest_key          text,
  previous_manifest_key text,
  pointer_advanced      boolean NOT NULL DEFAULT false,
  failed_step           text,
  failure_class         text,
  failure_message       text,
  rerecorded            boolean NOT NULL DEFAULT false
);
CREATE INDEX backup_history_started_at ON cotton_backup.backup_history (started_at DESC);
CREATE INDEX backup_history_running ON cotton_backup.backup_history (status) WHERE status = 'running';

CREATE TABLE cotton_backup.latest_backup (
  singleton             boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  backup_id             text NOT NULL,
  manifest_key          text NOT NULL,
  previous_manifest_key text,
  advanced_at           timestamptz NOT NULL,
  global_position       bigint NOT NULL
);
