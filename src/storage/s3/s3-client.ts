import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import type { S3Settings } from './s3-settings';

export interface S3ClientOptions {
  /** Attempts per request, retries included (the SDK's standard strategy: exponential backoff with jitter, throttling aware). */
  maxAttempts?: number;
  /** Sockets to the server at most: bounds concurrency whatever the callers do. */
  maxSockets?: number;
  /**
   * CRC32 checksums on every request that supports them, checked by the server, and on answers that
   * carry one (default). False: only where S3 requires them, as Cotton's own client does, for
   * servers that refuse the checksum headers.
   */
  checksums?: boolean;
}

/**
 * The one place an S3 client is configured. The SDK's own retries act around each request (a part
 * of a multipart upload is retried on its own); storage/retry's wrapper retries whole operations
 * above them.
 */
export function createS3Client(settings: S3Settings, options: S3ClientOptions = {}): S3Client {
  const maxSockets = options.maxSockets ?? 16;
  const checksums = options.checksums === false ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
  return new S3Client({
    endpoint: settings.endpoint,
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    maxAttempts: options.maxAttempts ?? 5,
    retryMode: 'standard',
    // Each command's middleware stack is resolved once, not per request: a backup sends two
    // requests per object, and the per-request resolution was a good part of their garbage.
    // (Middleware added to the client after its first request of a command does not apply to it.)
    cacheMiddleware: true,
    requestChecksumCalculation: checksums,
    responseChecksumValidation: checksums,
    requestHandler: {
      connectionTimeout: 10_000,
      requestTimeout: 120_000,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
    },
  });
}
