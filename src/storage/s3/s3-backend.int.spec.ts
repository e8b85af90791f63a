import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { CreateMultipartUploadCommand, GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { deriveMasterEncryptionKey, sha256Hex } from '../../keys/keys';
import { createPipelineStorage } from '../pipeline/pipeline';
import { startS3Server, type TestS3Server } from '../../../test/support/s3-server';
import { describeBackendContract } from '../../../test/support/storage-contract';
import { S3Backend } from './s3-backend';
import { S3StorageError } from './s3-settings';

let server: TestS3Server;
beforeAll(async () => {
  server = await startS3Server();
});
afterAll(() => server.stop());

async function bodyOf(backend: S3Backend, name: string): Promise<Buffer> {
  const answer = await backend.client.send(new GetObjectCommand({ Bucket: backend.settings.bucket, Key: name }));
  return Buffer.from(await answer.Body!.transformToByteArray());
}

describeBackendContract('S3 (s3rver)', async () => {
  const bucket = await server.createBucket();
  return { backend: new S3Backend(server.settings(bucket), { maxAttempts: 2 }), dispose: async () => undefined };
});

describeBackendContract('S3 with a prefix (a bucket of our own)', async () => {
  const bucket = await server.createBucket();
  return { backend: new S3Backend(server.settings(bucket, { prefix: 'copies/site-a/' }), { maxAttempts: 2 }), dispose: async () => undefined };
});

describe('S3Backend', () => {
  let backend: S3Backend;
  beforeEach(async () => {
    backend = new S3Backend(server.settings(await server.createBucket()), { maxAttempts: 3 });
    server.requests.length = 0;
  });

  const key = sha256Hex('s3 key');

  it("stores key k at Cotton's object name ab/cd/<rest>.ctn, no prefix, as application/octet-stream", async () => {
    await backend.write(key, Readable.from([Buffer.from('container bytes')]));
    const listed = await backend.client.send(new ListObjectsV2Command({ Bucket: backend.settings.bucket }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual([`${key.slice(0, 2)}/${key.slice(2, 4)}/${key.slice(4)}.ctn`]);
    expect((await bodyOf(backend, `${key.slice(0, 2)}/${key.slice(2, 4)}/${key.slice(4)}.ctn`)).toString()).toBe('container bytes');
  });

  it('with a prefix, keeps every object under it and lists only its own', async () => {
    const prefixed = new S3Backend({ ...backend.settings, prefix: 'ours/' });
    await prefixed.write(key, Readable.from([Buffer.from('x')]));
    await backend.write(sha256Hex('cotton'), Readable.from([Buffer.from('y')]));
    const names = (await backend.client.send(new ListObjectsV2Command({ Bucket: backend.settings.bucket }))).Contents?.map((c) => c.Key);
    expect(names).toContain(`ours/${key.slice(0, 2)}/${key.slice(2, 4)}/${key.slice(4)}.ctn`);
    const keys: string[] = [];
    for await (const k of prefixed.list()) keys.push(k);
    expect(keys).toEqual([key]);
  });

  it("lists only names of exactly Cotton's shape", async () => {
    await backend.write(key, Readable.from([Buffer.from('x')]));
    for (const noise of [`${key.slice(0, 2)}/${key.slice(2)}.ctn`, `${key.slice(0, 2)}/${key.slice(2, 4)}/${key.slice(4)}.ctn.bak`, 'tmp/x.tmp', `AB/cd/${key.slice(4)}.ctn`]) {
      await backend.client.send(new PutObjectCommand({ Bucket: backend.settings.bucket, Key: noise, Body: Buffer.from('n') }));
    }
    const keys: string[] = [];
    for await (const k of backend.list()) keys.push(k);
    expect(keys).toEqual([key]);
  });

  it('the pointer is replaced by one PUT: no DELETE, no HEAD-gap (deterministic: the requests are recorded)', async () => {
    await backend.write(key, Readable.from([Buffer.from('{"latestBackupId":"1"}')]));
    server.requests.length = 0;
    await backend.write(key, Readable.from([Buffer.from('{"latestBackupId":"2"}')]), { overwrite: true });
    expect(server.requests.map((r) => r.split(' ')[0])).toEqual(['PUT']);
    expect((await bodyOf(backend, `${key.slice(0, 2)}/${key.slice(2, 4)}/${key.slice(4)}.ctn`)).toString()).toBe('{"latestBackupId":"2"}');
  });

  it('put-if-absent: a HEAD first, and the PUT carries If-None-Match: * (honoured where the server supports it) and a CRC32 checksum', async () => {
    const seen: (string | undefined)[] = [];
    const checksums: (string | undefined)[] = [];
    backend.client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { method?: string; headers?: Record<string, string> };
        if (request.method === 'PUT') seen.push(request.headers?.['if-none-match']);
        if (request.method === 'PUT') checksums.push(request.headers?.['x-amz-checksum-crc32']);
        return next(args);
      },
      { step: 'finalizeRequest', name: 'watchConditionalWrite' },
    );
    await backend.write(key, Readable.from([Buffer.from('x')]));
    expect(server.requests.map((r) => r.split(' ')[0])).toEqual(['HEAD', 'PUT']);
    expect(seen).toEqual(['*']);
    expect(checksums).toEqual([expect.stringMatching(/^[A-Za-z0-9+/]{6}==$/)]);
  });

  it('a server that refuses If-None-Match (501) is found by the probe: writes then go without it', async () => {
    let probePuts = 0; // the second PUT of the probe is the conditional one
    server.failNext(1, 501, 'NotImplemented', (method, url) => method === 'PUT' && url.includes('cotton-backup-probe/') && ++probePuts === 2);
    const seen: (string | undefined)[] = [];
    backend.client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { method?: string; path?: string; headers?: Record<string, string> };
        if (request.method === 'PUT' && !request.path?.includes('cotton-backup-probe')) seen.push(request.headers?.['if-none-match']);
        return next(args);
      },
      { step: 'finalizeRequest', name: 'watchConditionalWrite' },
    );
    expect(backend.conditionalWrites).toBe(true);
    await backend.probe();
    expect(backend.conditionalWrites).toBe(false);
    await backend.write(key, Readable.from([Buffer.from('x')]));
    expect(seen).toEqual([undefined]);
    expect(await backend.size(key)).toBe(1);
  });

  it('through the pipeline a new object costs one HEAD and one PUT, an existing one a HEAD alone', async () => {
    const storage = createPipelineStorage(backend, { masterEncryptionKey: deriveMasterEncryptionKey('0123456789abcdef0123456789abcdef') });
    await storage.write(key, Buffer.from('plaintext'));
    expect(server.requests.map((r) => r.split(' ')[0])).toEqual(['HEAD', 'PUT']);
    server.requests.length = 0;
    expect((await storage.write(key, Buffer.from('plaintext'))).written).toBe(false);
    expect(server.requests.map((r) => r.split(' ')[0])).toEqual(['HEAD']);
  });

  it('a 412 to the conditional PUT (another writer won between our HEAD and our PUT) is a skipped write', async () => {
    const name = `${key.slice(0, 2)}/${key.slice(2, 4)}/${key.slice(4)}.ctn`;
    await backend.client.send(new PutObjectCommand({ Bucket: backend.settings.bucket, Key: name, Body: Buffer.from('theirs') }));
    // our HEAD misses it (404), our conditional PUT is refused (412): s3rver ignores If-None-Match, the proxy answers for it
    server.failNext(1, 404, 'NotFound', (method) => method === 'HEAD');
    server.failNext(1, 412, 'PreconditionFailed', (method) => method === 'PUT');
    expect(await backend.write(key, Readable.from([Buffer.from('ours')]))).toEqual({ written: false, storedBytes: 6 });
    expect((await bodyOf(backend, name)).toString()).toBe('theirs');
  });

  it('an object below the part size goes as one PUT of a Buffer, its bytes copied once into a reused staging buffer (no Upload, no concatenations)', async () => {
    const pieces = (seed: string) => Array.from({ length: 64 }, (_, i) => Buffer.alloc(16 * 1024, `${seed}${i}`));
    const bodies: unknown[] = [];
    // Before the first request: the client caches each command's middleware (cacheMiddleware).
    backend.client.middlewareStack.add(
      (next) => async (args) => {
        bodies.push((args.input as { Body?: unknown }).Body);
        return next(args);
      },
      { step: 'initialize', name: 'watchBody' },
    );
    await backend.write(sha256Hex('warm-up'), Readable.from(pieces('w'))); // the staging buffer and the SDK's lazy parts
    bodies.length = 0;
    const data = pieces('x');
    // Buffers made from JS while the write runs (a 1 MiB concatenation of the pieces would show here).
    let allocated = 0;
    const spies = (['allocUnsafe', 'allocUnsafeSlow', 'alloc'] as const).map((name) => {
      const original = Buffer[name].bind(Buffer) as (size: number, ...rest: unknown[]) => Buffer;
      return vi.spyOn(Buffer, name).mockImplementation(((size: number, ...rest: unknown[]) => {
        allocated += size;
        return original(size, ...rest);
      }) as never);
    });
    try {
      expect(await backend.write(key, Readable.from(data))).toEqual({ written: true, storedBytes: 1024 * 1024 });
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(bodies.length).toBe(2); // HEAD, PUT
    expect(Buffer.isBuffer(bodies[1])).toBe(true);
    expect(allocated).toBeLessThan(64 * 1024);
    expect((await bodyOf(backend, `${key.slice(0, 2)}/${key.slice(2, 4)}/${key.slice(4)}.ctn`)).equals(Buffer.concat(data))).toBe(true);
  });

  it('streams a 40 MiB object as a multipart upload with bounded buffering', async () => {
    const size = 40 * 1024 * 1024;
    const piece = randomBytes(1024 * 1024);
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < size / piece.length; i++) yield piece;
      })(),
    );
    const rssBefore = process.memoryUsage().rss;
    expect(await backend.write(key, source)).toEqual({ written: true, storedBytes: size });
    expect(server.requests.filter((r) => r.includes('partNumber=')).length).toBe(5);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * 1024 * 1024);
    expect(await backend.size(key)).toBe(size);
  });

  it('retries 5xx and throttling answers with backoff', async () => {
    server.failNext(1, 503, 'SlowDown');
    server.failNext(1, 500, 'InternalError');
    await backend.write(key, Readable.from([Buffer.from('through the storm')]));
    server.failNext(2, 503, 'ServiceUnavailable', (method) => method === 'GET');
    const chunks: Buffer[] = [];
    for await (const c of await backend.openRead(key)) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('through the storm');
    expect(server.requests.filter((r) => r.startsWith('GET')).length).toBe(3);
  });

  it('sweep aborts only stale multipart uploads of Cotton-shaped keys (a listing answered by the proxy)', async () => {
    const stale = `${key.slice(0, 2)}/${key.slice(2, 4)}/${key.slice(4)}.ctn`;
    const young = `${key.slice(0, 2)}/${key.slice(2, 4)}/${'0'.repeat(60)}.ctn`;
    const upload = (name: string, id: string, initiated: Date) =>
      `<Upload><Key>${name}</Key><UploadId>${id}</UploadId><Initiated>${initiated.toISOString()}</Initiated></Upload>`;
    const old = new Date(Date.now() - 2 * 3600_000);
    server.answerNext(
      1,
      200,
      `<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult><Bucket>${backend.settings.bucket}</Bucket>` +
        upload(stale, 'stale-id', old) + upload(young, 'young-id', new Date()) + upload('users/avatar.png', 'foreign-id', old) +
        '</ListMultipartUploadsResult>',
      (method, url) => method === 'GET' && url.includes('uploads'),
    );
    server.answerNext(1, 204, '', (method, url) => method === 'DELETE' && url.includes('uploadId=stale-id'));
    expect(await backend.sweep()).toBe(1);
    expect(server.requests.filter((r) => r.startsWith('DELETE'))).toEqual([expect.stringContaining('uploadId=stale-id')]);
  });

  it('sweep aborts an upload a dead writer left (s3rver keeps it, the test proxy lists and aborts it); a young one only once stale', async () => {
    const name = `${key.slice(0, 2)}/${key.slice(2, 4)}/${key.slice(4)}.ctn`;
    const bucket = backend.settings.bucket;
    const { UploadId } = await backend.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: name }));
    await backend.client.send(new UploadPartCommand({ Bucket: bucket, Key: name, UploadId, PartNumber: 1, Body: randomBytes(5 * 1024 * 1024) }));
    const open = async () => (await backend.client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads?.map((u) => u.Key) ?? [];
    expect(await open()).toEqual([name]);
    expect(await backend.sweep()).toBe(0); // an hour by default: it may be another writer's, in flight
    expect(await new S3Backend(backend.settings, { staleUploadAgeMs: 0 }).sweep()).toBe(1);
    expect(await open()).toEqual([]);
    expect(await backend.exists(key)).toBe(false);
  });

  it('a bucket that does not exist: one line naming the setting', async () => {
    const missing = new S3Backend({ ...backend.settings, bucket: 'no-such-bucket-here' }, { maxAttempts: 1 });
    const error = await missing.probe().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(S3StorageError);
    expect((error as Error).message).toMatch(/^cannot probe the bucket in s3:\/\/no-such-bucket-here\/ at http:\/\/127\.0\.0\.1:\d+: the bucket does not exist \(check COTTON_STORAGE_S3_BUCKET\)$/);
  });

  it('wrong credentials: one line naming the setting, never the secret', async () => {
    const wrong = new S3Backend({ ...backend.settings, accessKeyId: 'not-an-account', secretAccessKey: 'very-secret-value' }, { maxAttempts: 1 });
    const error = await wrong.probe().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(S3StorageError);
    expect((error as Error).message).toMatch(/: access denied \(check COTTON_STORAGE_S3_ACCESS_KEY_ID and COTTON_STORAGE_S3_SECRET_ACCESS_KEY\)$/);
    expect((error as Error).message).not.toContain('very-secret-value');
    expect((error as Error).message.split('\n')).toHaveLength(1);
  });

  it('a server that does not answer: a clear line naming the endpoint setting', async () => {
    server.setDown(true);
    try {
      const error = await new S3Backend(backend.settings, { maxAttempts: 1 }).probe().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(S3StorageError);
      expect((error as Error).message).toMatch(/the server does not answer \(\w+; check COTTON_STORAGE_S3_ENDPOINT\)$/);
    } finally {
      server.setDown(false);
    }
  });

  it('a server that goes away mid-upload: the write fails, nothing is left under the key', async () => {
    const source = Readable.from(
      (async function* () {
        for (let i = 0; i < 30; i++) {
          if (i === 12) server.setDown(true);
          yield randomBytes(1024 * 1024);
        }
      })(),
    );
    const quick = new S3Backend(backend.settings, { maxAttempts: 2 });
    await expect(quick.write(key, source)).rejects.toThrow();
    server.setDown(false);
    expect(await backend.exists(key)).toBe(false);
  });
});
