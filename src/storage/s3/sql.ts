/** Cotton's storage settings, read by the host itself to open storage (the backup plugin's cotton-tables/ owns its other reads of Cotton's tables). */
/** Whether this Cotton database has the storage columns (older schemas and empty databases do not). */
export const SERVER_SETTINGS_HAS_STORAGE = `
  SELECT count(*) = 2 AS has_storage
    FROM information_schema.columns
   WHERE table_schema = current_schema() AND table_name = 'server_settings' AND column_name IN ('storage_type', 'created_at')`;

/** Cotton's storage settings: the newest row wins (COTTON.md §9). */
export const NEWEST_STORAGE_SETTINGS = `
  SELECT storage_type, s3_endpoint_url, s3_region, s3_access_key_id, s3_bucket_name, s3_secret_access_key_encrypted
    FROM server_settings
   ORDER BY created_at DESC NULLS LAST
   LIMIT 1`;
