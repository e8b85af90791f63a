import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { zstdDecompressSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deriveMasterEncryptionKey, sha256Hex } from '../../keys/keys';
import { createStorage, digestStream, HashingPassThrough, type FilesystemObjectStorage } from './create-storage';
import { decryptCtn2 } from '../ctn2/decrypt';
import { ChunkAuthenticationFailedError, HeaderAuthenticationFailedError } from '../ctn2/errors';
import { FilesystemStore } from '../filesystem/filesystem-store';
import { InvalidStorageKeyError, ObjectNotFoundError, ObjectTooLargeError } from '../backend/errors';
import { createPipelineStorage } from '../pipeline/pipeline';

const MiB = 1024 * 1024;
const masterEncryptionKey = deriveMasterEncryptionKey('0123456789abcdef0123456789abcdef');

let root: string;
let storage: FilesystemObjectStorage;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'cotton-storage-'));
  storage = createStorage({ root, masterEncryptionKey });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Splits data into uneven pieces, as a producer would deliver it. */
function piecewise(data: Buffer): Readable {
  return Readable.from(
    (function* () {
      let offset = 0;
      let step = 1;
      while (offset < data.length) {
        const size = Math.min(data.length - offset, 4093 * step);
        yield data.subarray(offset, offset + size);
        offset += size;
        step = (step * 7) % 257 || 1;
      }
    })(),
  );
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

describe('createStorage: zstd → CTN2 → filesystem', () => {
  it.each([
    ['0 B', 0],
    ['1 B', 1],
    ['1 MiB - 1', MiB - 1],
    ['1 MiB', MiB],
    ['1 MiB + 1', MiB + 1],
    ['50 MiB', 50 * MiB],
  ])('round trip of %s of random data', async (_label, size) => {
    const data = randomBytes(size);
    const key = sha256Hex(data);
    const result = await storage.write(key, piecewise(data));
    expect(result.written).toBe(true);
    expect(result.storedBytes).toBe((await stat(storage.objectPath(key))).size);
    const back = await storage.read(key);
    const digest = await digestStream(back);
    expect(digest).toEqual({ sha256: key, length: size });
  });

  it('accepts a Buffer source and lands as an ordinary CTN2 + zstd object at Cotton\'s path', async () => {
    const data = Buffer.from('{"schemaVersion":1,"logicalKey":"database.ctn"}'.repeat(100));
    const key = sha256Hex(data);
    await storage.write(key, new Uint8Array(data));
    const path = join(root, key.slice(0, 2), key.slice(2, 4), `${key.slice(4)}.ctn`);
    expect(storage.objectPath(key)).toBe(path);
    const onDisk = await readFile(path);
    expect(onDisk.subarray(0, 4).toString('latin1')).toBe('CTN2');
    // what Cotton's reader does: CTN2 decrypt, then a plain zstd decompression
    expect(zstdDecompressSync(decryptCtn2(onDisk, { masterKey: masterEncryptionKey })).equals(data)).toBe(true);
    expect(onDisk.length).toBeLessThan(data.length); // compressed
    expect((await storage.readBuffer(key)).equals(data)).toBe(true);
  });

  it('skips an existing key without rewriting it or reading the source', async () => {
    const data = randomBytes(3 * MiB);
    const key = sha256Hex(data);
    await storage.write(key, data);
    const before = await stat(storage.objectPath(key));

    let produced = 0;
    let closed = false;
    const source = Readable.from(
      (async function* () {
        try {
          for (let i = 0; i < 1000; i++) {
            produced += 1;
            yield randomBytes(MiB);
          }
        } finally {
          closed = true;
        }
      })(),
    );
    const result = await storage.write(key, source);
    expect(result).toEqual({ written: false, storedBytes: before.size });
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.destroyed).toBe(true);
    expect(produced).toBeLessThanOrEqual(1);
    expect(closed || produced === 0).toBe(true);

    // a producer piping into a PassThrough does not hang: its pipeline ends (premature close)
    const pass = new PassThrough();
    const producer = pipeline(
      Readable.from(
        (function* () {
          for (let i = 0; i < 100; i++) yield Buffer.alloc(MiB);
        })(),
      ),
      pass,
    );
    expect((await storage.write(key, pass)).written).toBe(false);
    await expect(producer).rejects.toThrow();

    const after = await stat(storage.objectPath(key));
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
  });

  it('overwrite replaces the object atomically (the pointer case)', async () => {
    const key = sha256Hex('pointer');
    await storage.write(key, Buffer.from('{"latestBackupId":"1"}'));
    const inode = (await stat(storage.objectPath(key))).ino;
    const result = await storage.write(key, Buffer.from('{"latestBackupId":"2"}'), { overwrite: true });
    expect(result.written).toBe(true);
    expect((await stat(storage.objectPath(key))).ino).not.toBe(inode);
    expect((await storage.readBuffer(key)).toString()).toBe('{"latestBackupId":"2"}');
  });

  it('list, exists, size, delete', async () => {
    const keys = ['a', 'b', 'c'].map((s) => sha256Hex(s));
    for (const key of keys) await storage.write(key, Buffer.from(key));
    const listed: string[] = [];
    for await (const key of storage.list()) listed.push(key);
    expect(listed.sort()).toEqual([...keys].sort());
    expect(await storage.exists(keys[0]!)).toBe(true);
    expect(await storage.size(keys[0]!)).toBe((await stat(storage.objectPath(keys[0]!))).size);
    expect(await storage.delete(keys[0]!)).toBe(true);
    expect(await storage.exists(keys[0]!)).toBe(false);
    expect(await storage.size(keys[0]!)).toBeUndefined();
    expect(await storage.delete(keys[0]!)).toBe(false);
  });

  it('leaves no temp file and no object when the source fails midway', async () => {
    const key = sha256Hex('doomed');
    const source = Readable.from(
      (async function* () {
        yield randomBytes(5 * MiB);
        yield randomBytes(MiB);
        throw new Error('pg_dump exited with code 1');
      })(),
    );
    await expect(storage.write(key, source)).rejects.toThrow('pg_dump exited with code 1');
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
    expect(await storage.exists(key)).toBe(false);
  });

  it('missing objects and invalid keys', async () => {
    const key = sha256Hex('absent');
    await expect(storage.read(key)).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(storage.readBuffer(key)).rejects.toThrow(key);
    await expect(storage.write('not-a-key', Buffer.from('x'))).rejects.toBeInstanceOf(InvalidStorageKeyError);
    await expect(storage.read(key.toUpperCase())).rejects.toBeInstanceOf(InvalidStorageKeyError);
  });

  it('readBuffer enforces its size cap', async () => {
    const data = Buffer.alloc(2 * MiB, 1); // compresses to almost nothing: the cap is on plaintext
    const key = sha256Hex(data);
    await storage.write(key, data);
    await expect(storage.readBuffer(key, MiB)).rejects.toBeInstanceOf(ObjectTooLargeError);
    expect((await storage.readBuffer(key, 2 * MiB)).length).toBe(2 * MiB);
  });

  it('corruption on disk and a wrong master key surface as typed stream errors', async () => {
    const data = randomBytes(2 * MiB);
    const key = sha256Hex(data);
    await storage.write(key, data);
    const wrongKey = createStorage({ root, masterEncryptionKey: deriveMasterEncryptionKey('x'.repeat(32)) });
    await expect(readAll(await wrongKey.read(key))).rejects.toBeInstanceOf(HeaderAuthenticationFailedError);

    const path = storage.objectPath(key);
    const bytes = await readFile(path);
    bytes[84 + 36 + 1000]! ^= 0x10;
    await writeFile(path, bytes);
    const error = await readAll(await storage.read(key)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChunkAuthenticationFailedError);
    expect((error as Error).message).toContain(key);
  });

  it('digest helpers', async () => {
    const data = randomBytes(100_000);
    const expected = { sha256: createHash('sha256').update(data).digest('hex'), length: data.length };
    expect(await digestStream(piecewise(data))).toEqual(expected);
    const hashing = new HashingPassThrough();
    const key = expected.sha256;
    await storage.write(key, piecewise(data).pipe(hashing));
    expect(hashing.digest()).toEqual(expected);
  });
});

describe('the pipeline replaces the pointer through the backend in one step', () => {
  it('overwrite reaches the backend as one atomic replace, and the final path changes by a single rename', async () => {
    const key = sha256Hex('pointer');
    const steps: string[] = [];
    const store = new FilesystemStore(root, {
      operations: {
        rename: async (from, to) => {
          steps.push(`rename -> ${relative(root, to)}`);
          await rename(from, to);
        },
        unlink: async (path) => {
          steps.push(`unlink ${relative(root, path)}`);
          await unlink(path);
        },
      },
    });
    const pipelineStorage = createPipelineStorage(store, { masterEncryptionKey });
    await pipelineStorage.write(key, Buffer.from('{"latestBackupId":"1"}'));
    steps.length = 0;
    await pipelineStorage.write(key, Buffer.from('{"latestBackupId":"2"}'), { overwrite: true });
    expect(steps).toEqual([`rename -> ${relative(root, storage.objectPath(key))}`]);
    expect((await storage.readBuffer(key)).toString()).toBe('{"latestBackupId":"2"}');
  });
});
