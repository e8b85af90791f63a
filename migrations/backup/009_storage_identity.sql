-- Which storage this database's backups are in (issue 27 point 0b): the identity record of the
-- primary storage (storage/identity), recorded at its first use. A storage with another identity,
-- or none, is refused with both named instead of silently starting a second repository.
-- One row: the primary storage.
CREATE TABLE cotton_backup.storage_identity (
  slot                 text PRIMARY KEY DEFAULT 'primary' CHECK (slot = 'primary'),
  storage_id           text NOT NULL CHECK (storage_id ~ '^[0-9a-f]{32}$'),
  -- Where it was when recorded (a folder path or an s3:// address), for the refusal's message.
  description          text NOT NULL,
  storage_created_at   timestamptz NOT NULL,
  recorded_at          timestamptz NOT NULL,
  -- The identity this one replaced (`cotton-backup adopt-storage`, or a restore that re-seeded a new primary).
  replaced_storage_id  text
);
