import type { S3Settings } from './s3-settings';
import { S3StorageError } from './s3-settings';

interface SdkError {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

function sdk(error: unknown): SdkError {
  return (typeof error === 'object' && error !== null ? error : {}) as SdkError;
}

/** 404 of a key (HEAD answers a bare NotFound; GET answers NoSuchKey). */
export function isNotFound(error: unknown): boolean {
  const e = sdk(error);
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || (e.$metadata?.httpStatusCode === 404 && e.name !== 'NoSuchBucket');
}

/** A conditional write (If-None-Match: *) that found the key already there. */
export function isAlreadyThere(error: unknown): boolean {
  const e = sdk(error);
  return e.name === 'PreconditionFailed' || e.$metadata?.httpStatusCode === 412;
}

/** A server that does not implement conditional writes says so; the write is then done as HEAD-then-PUT. */
export function isConditionalWriteUnsupported(error: unknown): boolean {
  const e = sdk(error);
  return e.name === 'NotImplemented' || e.$metadata?.httpStatusCode === 501;
}

/**
 * One clear line for what an operator can fix: the missing bucket, the refused credentials, the
 * unreachable endpoint, each naming the setting. Other errors pass through unchanged. The SDK's
 * own messages never carry the secret; ours never carry any setting's value but the bucket and endpoint.
 */
export function explainS3Error(error: unknown, settings: S3Settings, doing: string): unknown {
  const e = sdk(error);
  const where = `s3://${settings.bucket}/${settings.prefix}${settings.endpoint ? ` at ${settings.endpoint}` : ''}`;
  const status = e.$metadata?.httpStatusCode;
  if (e.name === 'NoSuchBucket' || (status === 404 && doing === 'probe the bucket')) {
    return new S3StorageError('STORAGE_S3_NO_BUCKET', `cannot ${doing} in ${where}: the bucket does not exist (check ${settings.names.bucket})`, { cause: error });
  }
  if (e.name === 'InvalidAccessKeyId') {
    return new S3StorageError('STORAGE_S3_CREDENTIALS', `cannot ${doing} in ${where}: the access key id is unknown to the server (check ${settings.names.accessKeyId})`, { cause: error });
  }
  if (e.name === 'SignatureDoesNotMatch') {
    return new S3StorageError('STORAGE_S3_CREDENTIALS', `cannot ${doing} in ${where}: the secret access key is wrong (check ${settings.names.secretAccessKey})`, { cause: error });
  }
  if (e.name === 'AccessDenied' || e.name === 'Forbidden' || status === 403) {
    return new S3StorageError('STORAGE_S3_CREDENTIALS', `cannot ${doing} in ${where}: access denied (check ${settings.names.accessKeyId} and ${settings.names.secretAccessKey})`, { cause: error });
  }
  if (e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN' || e.code === 'ECONNRESET' || e.name === 'TimeoutError') {
    return new S3StorageError('STORAGE_S3_UNREACHABLE', `cannot ${doing} in ${where}: the server does not answer (${e.code ?? e.name}; check ${settings.names.endpoint})`, { cause: error });
  }
  return error;
}
