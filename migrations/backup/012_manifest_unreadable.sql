-- Kept backups whose manifest retention could not read, folded from ManifestUnreadable /
-- ManifestReadable: the metric cotton_backup_unreadable_manifests and `check` read it without
-- touching the storage at every scrape.
ALTER TABLE cotton_backup.backup_history
  ADD COLUMN manifest_unreadable_since timestamptz,
  ADD COLUMN manifest_problem          text;
