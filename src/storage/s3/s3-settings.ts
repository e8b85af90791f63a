/** Where each S3 setting came from, so an error can name the one to fix (never its value). */
export interface S3SettingNames {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** A resolved S3 storage: our variables over Cotton's server_settings. */
export interface S3Settings {
  /** Undefined: AWS's own endpoint for the region. */
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  /** '' for Cotton's bucket (its layout has no prefix); `name/` for a bucket we own. */
  prefix: string;
  names: S3SettingNames;
}

/** An S3 storage the backend cannot use; the message names the setting (the variable or Cotton's column), never a secret. */
export class S3StorageError extends Error {
  constructor(
    readonly code: 'STORAGE_S3_SETTINGS' | 'STORAGE_S3_NO_BUCKET' | 'STORAGE_S3_CREDENTIALS' | 'STORAGE_S3_UNREACHABLE' | 'STORAGE_S3_REFUSED',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'S3StorageError';
  }
}
