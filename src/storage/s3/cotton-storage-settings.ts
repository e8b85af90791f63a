import type { Pool } from 'pg';
import { NEWEST_STORAGE_SETTINGS, SERVER_SETTINGS_HAS_STORAGE } from './sql';

/** Cotton's own storage choice, from its newest server_settings row (COTTON.md §9). */
export interface CottonStorageSettings {
  /** 0 = the local folder, 1 = S3. */
  storageType: number;
  endpoint?: string;
  region?: string;
  accessKeyId?: string;
  bucket?: string;
  /** Standard base64 of a CTN2 container (master encryption key, no zstd) of the secret. */
  secretEncrypted?: string;
}

const UNDEFINED_TABLE = '42P01';
const INVALID_CATALOG = '3D000';

/** Undefined when the database has no such row yet (an empty database before a startup restore). */
export async function readCottonStorageSettings(pool: Pool): Promise<CottonStorageSettings | undefined> {
  try {
    const shape = await pool.query<{ has_storage: boolean }>(SERVER_SETTINGS_HAS_STORAGE);
    if (!shape.rows[0]?.has_storage) return undefined;
    const { rows } = await pool.query<Record<string, string | number | null>>(NEWEST_STORAGE_SETTINGS);
    const row = rows[0];
    if (!row) return undefined;
    const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
    return {
      storageType: Number(row.storage_type ?? 0),
      endpoint: text(row.s3_endpoint_url),
      region: text(row.s3_region),
      accessKeyId: text(row.s3_access_key_id),
      bucket: text(row.s3_bucket_name),
      secretEncrypted: text(row.s3_secret_access_key_encrypted),
    };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === UNDEFINED_TABLE || code === INVALID_CATALOG) return undefined;
    throw error;
  }
}
