import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config';
import { deriveMasterEncryptionKey, sha256Hex } from '../../keys/keys';
import { createLogger } from '../../logging/logger';
import { startS3Server, TEST_S3_ACCESS_KEY_ID, TEST_S3_SECRET, type TestS3Server } from '../../../test/support/s3-server';
import { describeBackendContract } from '../../../test/support/storage-contract';
import { FilesystemStore } from '../filesystem/filesystem-store';
import { ObjectNotFoundError } from '../backend/errors';
import { openStorage } from '../open/open-storage';
import { createPipelineStorage } from '../pipeline/pipeline';
import { S3Backend } from '../s3/s3-backend';
import { RetryingBackend } from './retrying-backend';

let server: TestS3Server;
beforeAll(async () => {
  server = await startS3Server();
});
afterAll(() => server.stop());

const masterEncryptionKey = deriveMasterEncryptionKey('0123456789abcdef0123456789abcdef');
const instant = { sleep: async () => undefined };

describeBackendContract('S3 (s3rver) wrapped in retries', async () => {
  const bucket = await server.createBucket();
  return { backend: new RetryingBackend(new S3Backend(server.settings(bucket), { maxAttempts: 1 }), instant), dispose: async () => undefined };
});

describeBackendContract('the folder wrapped in retries', async () => {
  const root = await mkdtemp(join(tmpdir(), 'cotton-retry-contract-'));
  return { backend: new RetryingBackend(new FilesystemStore(root), instant), dispose: () => rm(root, { recursive: true, force: true }) };
}, { readInto: true });

describe('RetryingBackend around S3 (s3rver behind the fault proxy; the SDK tries each request once)', () => {
  let backend: RetryingBackend;
  let retries: { operation: string; attempt: number; delayMs: number }[];
  let slept: number[];
  const key = sha256Hex('retried');
  const count = (method: string) => server.requests.filter((r) => r.startsWith(`${method} `)).length;
  const readAll = async (stream: Readable) => {
    const parts: Buffer[] = [];
    for await (const part of stream) parts.push(part as Buffer);
    return Buffer.concat(parts);
  };

  beforeEach(async () => {
    retries = [];
    slept = [];
    const inner = new S3Backend(server.settings(await server.createBucket()), { maxAttempts: 1 });
    backend = new RetryingBackend(inner, {
      maxAttempts: 4,
      baseDelayMs: 100,
      maxDelayMs: 1000,
      onRetry: ({ operation, attempt, delayMs }) => retries.push({ operation, attempt, delayMs }),
      sleep: async (ms) => void slept.push(ms),
    });
    await backend.write(key, Readable.from([Buffer.from('stored bytes')]));
    server.requests.length = 0;
  });

  it('size and exists: throttling and 5xx answers are retried with growing, jittered waits', async () => {
    server.failNext(2, 503, 'SlowDown', (method) => method === 'HEAD');
    expect(await backend.size(key)).toBe(12);
    expect(count('HEAD')).toBe(3);
    expect(retries.map((r) => [r.operation, r.attempt])).toEqual([[`look up ${key}`, 1], [`look up ${key}`, 2]]);
    expect(slept[0]).toBeLessThanOrEqual(100);
    expect(slept[1]).toBeLessThanOrEqual(200);
    server.failNext(1, 500, 'InternalError', (method) => method === 'HEAD');
    expect(await backend.exists(key)).toBe(true);
  });

  it('openRead before the first byte, list (restarted), delete and probe are retried', async () => {
    server.failNext(1, 503, 'ServiceUnavailable', (method) => method === 'GET');
    expect((await readAll(await backend.openRead(key))).toString()).toBe('stored bytes');
    server.failNext(1, 503, 'SlowDown', (method, url) => method === 'GET' && url.includes('list-type=2'));
    const keys: string[] = [];
    for await (const k of backend.list()) keys.push(k);
    expect(keys).toEqual([key]);
    server.failNext(1, 503, 'SlowDown', (method) => method === 'DELETE');
    expect(await backend.delete(key)).toBe(true);
    expect(await backend.exists(key)).toBe(false);
    server.failNext(1, 503, 'SlowDown', (method, path) => method === 'HEAD' && path.split('?')[0]!.split('/').filter(Boolean).length === 1);
    await backend.probe();
    expect(retries.map((r) => r.operation)).toEqual([`read ${key}`, 'list', `delete ${key}`, 'probe']);
  });

  it('S3 lists in key order, and from after a given key (what a resumed listing asks for)', async () => {
    const s3 = new S3Backend(server.settings(await server.createBucket()), { maxAttempts: 1 });
    const stored = Array.from({ length: 5 }, (_, i) => sha256Hex(`listed ${i}`)).sort();
    for (const k of stored) await s3.write(k, Readable.from([Buffer.from(k)]));
    const listed = async (options?: { startAfter?: string }) => {
      const keys: string[] = [];
      for await (const k of s3.list(options)) keys.push(k);
      return keys;
    };
    expect(s3.listsInKeyOrder).toBe(true);
    expect(await listed()).toEqual(stored);
    expect(await listed({ startAfter: stored[1] })).toEqual(stored.slice(2));
  });

  it('a write whose bytes the pipeline holds is replayed (sealed again); the object reads back whole', async () => {
    const storage = createPipelineStorage(backend, { masterEncryptionKey });
    const data = randomBytes(300_000);
    const dataKey = sha256Hex(data);
    server.failNext(2, 503, 'SlowDown', (method) => method === 'PUT');
    expect((await storage.write(dataKey, data)).written).toBe(true);
    expect(count('PUT')).toBe(3);
    expect((await storage.readBuffer(dataKey)).equals(data)).toBe(true);
  });

  it('a write of a stream is not retried: its bytes are spent', async () => {
    server.failNext(1, 503, 'SlowDown', (method) => method === 'PUT');
    await expect(backend.write(sha256Hex('stream'), Readable.from([Buffer.from('once')]))).rejects.toMatchObject({ $metadata: { httpStatusCode: 503 } });
    expect(count('PUT')).toBe(1);
    expect(retries).toEqual([]);
  });

  it('permanent answers are not retried: a missing object, refused credentials', async () => {
    await expect(backend.openRead(sha256Hex('absent'))).rejects.toBeInstanceOf(ObjectNotFoundError);
    expect(count('GET')).toBe(1);
    server.failNext(1, 403, 'AccessDenied', (method) => method === 'HEAD');
    await expect(backend.size(key)).rejects.toThrow(/access denied/);
    expect(count('HEAD')).toBe(1);
    expect(retries).toEqual([]);
  });

  it('gives up after maxAttempts: a server that keeps failing fails the operation', async () => {
    server.failNext(4, 503, 'SlowDown', (method) => method === 'HEAD'); // exactly the attempts: none left for the next test
    await expect(backend.size(key)).rejects.toMatchObject({ $metadata: { httpStatusCode: 503 } });
    expect(count('HEAD')).toBe(4);
  });
});

it('openStorage wraps S3 in retries (the SDK tries twice, the wrapper four times): a 5-answer outage passes', async () => {
  const root = await mkdtemp(join(tmpdir(), 'cotton-retry-open-'));
  const bucket = await server.createBucket();
  const config = loadConfig({
    COTTON_STORAGE_PATH: join(root, 'files'),
    COTTON_DATA_PATH: root,
    COTTON_STORAGE_S3_ENDPOINT: server.endpoint,
    COTTON_STORAGE_S3_BUCKET: bucket,
    COTTON_STORAGE_S3_ACCESS_KEY_ID: TEST_S3_ACCESS_KEY_ID,
    COTTON_STORAGE_S3_SECRET_ACCESS_KEY: TEST_S3_SECRET,
  });
  const opened = await openStorage({ config, masterEncryptionKey, logger: createLogger({ level: 'silent' }), probe: false });
  try {
    expect(opened.backend).toBeInstanceOf(RetryingBackend);
    server.requests.length = 0;
    server.failNext(5, 503, 'SlowDown', (method) => method === 'HEAD');
    expect(await opened.storage.exists(sha256Hex('nothing here'))).toBe(false);
    expect(server.requests.filter((r) => r.startsWith('HEAD')).length).toBe(6);
  } finally {
    await opened.close();
    await rm(root, { recursive: true, force: true });
  }
}, 60_000);
