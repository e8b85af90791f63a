import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveMasterEncryptionKey, pointerStorageKey } from '../../../src/keys/keys';
import { createPipelineStorage } from '../../../src/storage/pipeline/pipeline';
import { RetryingBackend } from '../../../src/storage/retry/retrying-backend';
import { S3Backend } from '../../../src/storage/s3/s3-backend';
import { startS3Server, type TestS3Server } from '../../../test/support/s3-server';
import { readPointer, writePointer } from './manifest-store';
import type { Pointer } from './pointer';

let server: TestS3Server;
beforeAll(async () => {
  server = await startS3Server();
});
afterAll(() => server.stop());

describe('writePointer on S3 behind the retry wrapper (the SDK tries each request once)', () => {
  it('is tried again after a transient answer, and the pointer reads back whole', async () => {
    const masterEncryptionKey = deriveMasterEncryptionKey('0123456789abcdef0123456789abcdef');
    const backend = new RetryingBackend(new S3Backend(server.settings(await server.createBucket()), { maxAttempts: 1 }), { sleep: async () => undefined });
    const storage = createPipelineStorage(backend, { masterEncryptionKey });
    const pointerKey = pointerStorageKey(masterEncryptionKey);
    const pointer: Pointer = {
      schemaVersion: 1,
      logicalKey: 'database.ctn',
      updatedAtUtc: '2026-11-29T08:00:00.000Z',
      latestManifestStorageKey: randomBytes(32).toString('hex'),
      latestBackupId: randomBytes(16).toString('hex'),
    };
    server.requests.length = 0;
    server.failNext(2, 503, 'SlowDown', (method) => method === 'PUT');
    await writePointer(storage, pointerKey, pointer);
    expect(server.requests.filter((r) => r.startsWith('PUT ')).length).toBe(3);
    expect(await readPointer(storage, pointerKey)).toEqual(pointer);
  });
});
