-- The file chunks each backup's database referenced (issue 27, point 0c), read in pg_dump's own
-- snapshot: a kept backup restores a database that names these chunks, so retention pins them in
-- Cotton's chunks table once no live file references them, and releases them with the backup.
-- Not a read model: FileChunksRecorded carries only the count, so a rebuild leaves this alone.
-- One row per backup; the hashes are the 32 raw bytes each (as Cotton's bytea columns), sorted.
CREATE TABLE cotton_backup.referenced_chunk_recordings (
  backup_id   text PRIMARY KEY,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  chunk_count integer NOT NULL CHECK (chunk_count >= 0),
  hashes      bytea[] NOT NULL
);
-- SHA-256 digests do not compress: do not spend CPU trying.
ALTER TABLE cotton_backup.referenced_chunk_recordings ALTER COLUMN hashes SET STORAGE EXTERNAL;
