import { describe, expect, it } from 'vitest';
import { isPermanentS3Error } from './s3-errors';
import { S3StorageError } from './s3-settings';

const answer = (status: number, name: string) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
const connection = (code: string) => Object.assign(new Error(code), { code });

describe('isPermanentS3Error: what a retry can help with', () => {
  it.each([
    [answer(500, 'InternalError')],
    [answer(503, 'SlowDown')],
    [answer(503, 'ServiceUnavailable')],
    [answer(502, 'BadGateway')],
    [answer(408, 'RequestTimeout')],
    [answer(429, 'TooManyRequests')],
    [answer(400, 'RequestTimeout')], // S3 answers an idle upload with a 400 RequestTimeout
    [answer(400, 'ThrottlingException')],
    [connection('ECONNRESET')],
    [connection('ECONNREFUSED')],
    [connection('EPIPE')],
    [connection('ETIMEDOUT')],
    [Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
    [new S3StorageError('STORAGE_S3_UNREACHABLE', 'the server does not answer')],
  ])('transient: %s', (error) => {
    expect(isPermanentS3Error(error)).toBe(false);
  });

  it.each([
    [answer(404, 'NoSuchKey')],
    [answer(404, 'NoSuchBucket')],
    [answer(403, 'AccessDenied')],
    [answer(403, 'InvalidAccessKeyId')],
    [answer(412, 'PreconditionFailed')],
    [answer(400, 'InvalidRequest')],
    [answer(501, 'NotImplemented')],
    [new S3StorageError('STORAGE_S3_NO_BUCKET', 'the bucket does not exist')],
    [new S3StorageError('STORAGE_S3_CREDENTIALS', 'access denied')],
    [new Error('pg_dump exited with code 1')], // the source failed: nothing the server did
  ])('permanent: %s', (error) => {
    expect(isPermanentS3Error(error)).toBe(true);
  });
});
