import { createHash, randomBytes } from 'node:crypto';
import { openSync, closeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStorage } from '../open/create-storage';
import { createPipelineStorage } from '../pipeline/pipeline';
import type { ObjectStorage } from '../object-storage';
import { DecodeFailedError, DecodePool } from './decode-pool';
import { containerLimit, readContainerInto } from './read-container';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const text = (n: number) => Buffer.from(Array.from({ length: n / 6 + 1 }, (_, i) => `${i % 9973},`).join('')).subarray(0, n);

describe('DecodePool decodes objects of the folder storage on worker threads, from and into its shared ring', () => {
  let dir: string;
  let storage: ObjectStorage;
  let pool: DecodePool;
  const key = randomBytes(32);
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'decode-pool-'));
    storage = createStorage({ root: join(dir, 'objects'), masterEncryptionKey: key });
    pool = storage.openDecodePool!({ ringBytes: 8 << 20 });
  });
  afterEach(async () => {
    await pool.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Stores `plain`, reads its container into the ring at 0, and asks the pool to decode it at `plaintextOffset`. */
  async function decodeStored(plain: Buffer, limit = plain.length, write?: { fd: number; position: number }) {
    const k = sha256(plain);
    await storage.write(k, plain);
    const containerLength = await readContainerInto(storage.backend!, k, pool.ring.bytes, 0, containerLimit(limit));
    const plaintextOffset = containerLimit(limit);
    const decoded = await pool.decode({ containerOffset: 0, containerLength: containerLength!, limit, plaintextOffset, write, name: k });
    return { decoded, plaintext: pool.ring.bytes.subarray(plaintextOffset, plaintextOffset + decoded.length), k };
  }

  it('runs a worker per core (at most 2) for the folder, which reads objects into the ring itself, and one for a storage whose bytes pass through the main thread', async () => {
    expect(pool.workerCount).toBe(Math.min(2, availableParallelism()));
    // The folder's backend, seen as one that can only stream (as S3's).
    const backend = storage.backend!;
    const streamingOnly = new Proxy(backend, { get: (target, name) => (name === 'readInto' ? undefined : Reflect.get(target, name, target)) });
    const streaming = createPipelineStorage(streamingOnly, { masterEncryptionKey: key });
    const single = streaming.openDecodePool!({ ringBytes: 1 << 20 });
    try {
      expect(single.workerCount).toBe(1);
    } finally {
      await single.close();
    }
  });

  it('gives the plaintext, its length and its SHA-256, object after object', async () => {
    for (const plain of [text(300_000), randomBytes(100_000), text(1)]) {
      const { decoded, plaintext, k } = await decodeStored(plain);
      expect(decoded).toEqual({ length: plain.length, sha256: k, oversized: false });
      expect(plaintext.equals(plain)).toBe(true);
    }
  });

  it('says oversized for an object holding more than its limit', async () => {
    const { decoded } = await decodeStored(text(50_000), 10_000);
    expect(decoded).toMatchObject({ oversized: true, length: 10_001 });
  });

  it('refuses an object that does not decode (damaged container) as a decode failure, and goes on', async () => {
    const plain = text(80_000);
    const k = sha256(plain);
    await storage.write(k, plain);
    const length = (await readContainerInto(storage.backend!, k, pool.ring.bytes, 0, containerLimit(plain.length)))!;
    pool.ring.bytes[length - 40]! ^= 0xff;
    const error = await pool.decode({ containerOffset: 0, containerLength: length, limit: plain.length, plaintextOffset: containerLimit(plain.length), name: k }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DecodeFailedError);
    expect((error as DecodeFailedError).failure.stage).toBe('decode');
    expect((await decodeStored(text(1000))).decoded.oversized).toBe(false);
  });

  it('reports a write the file refuses (ENOSPC on /dev/full) as a write failure, with its code', async () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const error = await decodeStored(text(20_000), 20_000, { fd, position: 0 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DecodeFailedError);
      expect((error as DecodeFailedError).failure).toMatchObject({ stage: 'write', code: 'ENOSPC' });
    } finally {
      closeSync(fd);
    }
  });

  it('rejects what a closed pool held, and refuses new work', async () => {
    await pool.close();
    await expect(pool.decode({ containerOffset: 0, containerLength: 1, limit: 1, plaintextOffset: 10, name: 'x' })).rejects.toThrow(/closed/);
  });
});
