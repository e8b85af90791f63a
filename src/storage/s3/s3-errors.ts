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

const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'ENETUNREACH', 'EHOSTUNREACH']);
const TRANSIENT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'SlowDown', 'Throttling', 'ThrottlingException', 'ThrottledException', 'TooManyRequestsException', 'RequestLimitExceeded', 'InternalError', 'ServiceUnavailable', 'NetworkingError']);

/**
 * Whether trying again can help, for an error of the S3 backend: answers 5xx, 408, 429 and the
 * throttling codes may pass, as may a connection that failed or timed out (also once explained as
 * STORAGE_S3_UNREACHABLE: an endpoint down for a moment); any other 4xx (a missing key or bucket,
 * refused credentials, a precondition) and a 501 are permanent, as is an error without an answer or a
 * connection code (the source failed, a key was refused).
 */
export function isPermanentS3Error(error: unknown): boolean {
  const e = sdk(error);
  if (e.name === 'S3StorageError') return e.code !== 'STORAGE_S3_UNREACHABLE';
  const status = e.$metadata?.httpStatusCode;
  // 501: the server lacks the feature (a conditional write), asking again will not add it.
  if (status === 501) return true;
  if (status !== undefined) return status < 500 && status !== 408 && status !== 429 && !TRANSIENT_NAMES.has(e.name ?? '');
  if (TRANSIENT_NAMES.has(e.name ?? '') || TRANSIENT_CODES.has(e.code ?? '')) return false;
  return true;
}
