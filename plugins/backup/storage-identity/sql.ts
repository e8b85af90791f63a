export const READ_STORAGE_IDENTITY = `
  SELECT storage_id, description, storage_created_at, recorded_at
    FROM cotton_backup.storage_identity
   WHERE slot = 'primary'`;

/** The table may not exist yet: a database that has none of our schema (a bare-machine restore's target). */
export const STORAGE_IDENTITY_TABLE_EXISTS = `SELECT to_regclass('cotton_backup.storage_identity') IS NOT NULL AS present`;

/** First use: records the identity, unless one was recorded meanwhile (then the caller reads it again). */
export const RECORD_STORAGE_IDENTITY = `
  INSERT INTO cotton_backup.storage_identity (slot, storage_id, description, storage_created_at, recorded_at)
  VALUES ('primary', $1, $2, $3, $4)
  ON CONFLICT (slot) DO NOTHING`;

/** The operator's choice (adopt-storage) or a restore that re-seeded a new primary: the old id is kept beside it. */
export const REPLACE_STORAGE_IDENTITY = `
  INSERT INTO cotton_backup.storage_identity (slot, storage_id, description, storage_created_at, recorded_at)
  VALUES ('primary', $1, $2, $3, $4)
  ON CONFLICT (slot) DO UPDATE SET
    replaced_storage_id = CASE WHEN storage_identity.storage_id = EXCLUDED.storage_id THEN storage_identity.replaced_storage_id ELSE storage_identity.storage_id END,
    storage_id = EXCLUDED.storage_id, description = EXCLUDED.description,
    storage_created_at = EXCLUDED.storage_created_at, recorded_at = EXCLUDED.recorded_at`;
