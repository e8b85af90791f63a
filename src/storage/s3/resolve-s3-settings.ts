import type { S3Environment } from '../../config/config';
import { decryptCtn2 } from '../ctn2/decrypt';
import type { CottonStorageSettings } from './cotton-storage-settings';
import { S3StorageError, type S3Settings } from './s3-settings';

const VARIABLE = {
  endpoint: 'COTTON_STORAGE_S3_ENDPOINT',
  region: 'COTTON_STORAGE_S3_REGION',
  bucket: 'COTTON_STORAGE_S3_BUCKET',
  accessKeyId: 'COTTON_STORAGE_S3_ACCESS_KEY_ID',
  secretAccessKey: 'COTTON_STORAGE_S3_SECRET_ACCESS_KEY',
  prefix: 'COTTON_STORAGE_S3_PREFIX',
} as const;
const COLUMN = {
  endpoint: 'server_settings.s3_endpoint_url',
  region: 'server_settings.s3_region',
  bucket: 'server_settings.s3_bucket_name',
  accessKeyId: 'server_settings.s3_access_key_id',
  secretAccessKey: 'server_settings.s3_secret_access_key_encrypted',
} as const;
const DEFAULT_REGION = 'us-east-1';

/**
 * Which S3 storage to use, or undefined for the folder. S3 when our bucket variable is set, or when
 * Cotton's newest server_settings row says storage_type = 1; each COTTON_STORAGE_S3_* variable
 * overrides Cotton's column of the same meaning (and they are the only source for a startup
 * restore into an empty database). Errors name the variable or column, never a value.
 */
export function resolveS3Settings(env: S3Environment, cotton: CottonStorageSettings | undefined, masterEncryptionKey: Buffer): S3Settings | undefined {
  const cottonS3 = cotton?.storageType === 1 ? cotton : undefined;
  if (env.bucket === undefined && !cottonS3) {
    const stray = (['endpoint', 'accessKeyId', 'secretAccessKey', 'prefix'] as const).filter((name) => env[name] !== undefined);
    if (stray.length > 0) {
      throw new S3StorageError('STORAGE_S3_SETTINGS', `${stray.map((n) => VARIABLE[n]).join(', ')} set without ${VARIABLE.bucket}, and Cotton's storage is not S3: set the bucket, or unset them`);
    }
    return undefined;
  }
  const from = <K extends 'endpoint' | 'region' | 'bucket' | 'accessKeyId'>(name: K) =>
    env[name] !== undefined ? { value: env[name], source: VARIABLE[name] } : { value: cottonS3?.[name], source: cottonS3 ? COLUMN[name] : VARIABLE[name] };
  const bucket = from('bucket');
  const accessKeyId = from('accessKeyId');
  const endpoint = from('endpoint');
  const region = from('region');
  const missing: string[] = [];
  if (!bucket.value) missing.push(cottonS3 ? `${VARIABLE.bucket} (or ${COLUMN.bucket})` : VARIABLE.bucket);
  if (!accessKeyId.value) missing.push(cottonS3 ? `${VARIABLE.accessKeyId} (or ${COLUMN.accessKeyId})` : VARIABLE.accessKeyId);
  let secretAccessKey = env.secretAccessKey;
  let secretSource: string = VARIABLE.secretAccessKey;
  if (secretAccessKey === undefined && cottonS3?.secretEncrypted) {
    secretAccessKey = decryptSecret(cottonS3.secretEncrypted, masterEncryptionKey);
    secretSource = COLUMN.secretAccessKey;
  }
  if (!secretAccessKey) missing.push(cottonS3 ? `${VARIABLE.secretAccessKey} (or ${COLUMN.secretAccessKey})` : VARIABLE.secretAccessKey);
  if (missing.length > 0) throw new S3StorageError('STORAGE_S3_SETTINGS', `S3 storage needs ${missing.join(', ')}`);
  if (env.prefix !== undefined && env.bucket === undefined) {
    throw new S3StorageError('STORAGE_S3_SETTINGS', `${VARIABLE.prefix} is for a bucket of our own (${VARIABLE.bucket}): Cotton's bucket has no prefix`);
  }
  return {
    endpoint: endpoint.value,
    region: region.value ?? DEFAULT_REGION,
    bucket: bucket.value!,
    accessKeyId: accessKeyId.value!,
    secretAccessKey: secretAccessKey!,
    forcePathStyle: env.forcePathStyle,
    prefix: env.prefix ?? '',
    names: { endpoint: endpoint.source, region: region.source, bucket: bucket.source, accessKeyId: accessKeyId.source, secretAccessKey: secretSource },
  };
}

/** Cotton's encrypted secret: base64 of CTN2 under the master encryption key, no zstd (COTTON.md §9). */
function decryptSecret(encoded: string, masterEncryptionKey: Buffer): string {
  try {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new Error('not standard base64');
    return decryptCtn2(Buffer.from(encoded, 'base64'), { masterKey: masterEncryptionKey }).toString('utf8');
  } catch (error) {
    const reason = (error as { code?: string }).code ?? 'not standard base64';
    throw new S3StorageError(
      'STORAGE_S3_SETTINGS',
      `cannot decrypt ${COLUMN.secretAccessKey} under the master key (${reason}): is COTTON_MASTER_KEY Cotton's? ${VARIABLE.secretAccessKey} overrides it`,
    );
  }
}
