import { randomBytes } from 'node:crypto';
import { PassThrough, Readable, Transform } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/keys/keys';
import type { StorageBackend } from '../../src/storage/backend/storage-backend';
import { InvalidStorageKeyError, ObjectNotFoundError } from '../../src/storage/backend/errors';

export interface BackendFixture {
  backend: StorageBackend;
  /** Removes whatever the fixture created (folder, bucket). */
  dispose(): Promise<void>;
}

const MiB = 1024 * 1024;

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(Buffer.from(part as Buffer));
  return Buffer.concat(parts);
}

async function keysOf(backend: StorageBackend): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of backend.list()) keys.push(key);
  return keys.sort();
}

/**
 * What every storage backend promises (src/storage/backend.ts), run against each of them: the
 * folder, S3, and the in-memory test double. A backend that passes can carry Cotton's objects.
 */
export function describeBackendContract(
  name: string,
  open: () => Promise<BackendFixture>,
  options: { largeObjectBytes?: number; readInto?: boolean } = {},
): void {
  describe(`storage backend contract: ${name}`, () => {
    let fixture: BackendFixture;
    let backend: StorageBackend;
    beforeEach(async () => {
      fixture = await open();
      backend = fixture.backend;
    });
    afterEach(async () => {
      await backend.close();
      await fixture.dispose();
    });

    const keyA = sha256Hex('contract a');
    const keyB = sha256Hex('contract b');

    it('puts an absent object and gives its bytes back; stat and exists agree', async () => {
      expect(await backend.exists(keyA)).toBe(false);
      expect(await backend.size(keyA)).toBeUndefined();
      const data = randomBytes(100_000);
      expect(await backend.write(keyA, Readable.from([data.subarray(0, 7), data.subarray(7)]))).toEqual({ written: true, storedBytes: data.length });
      expect(await backend.exists(keyA)).toBe(true);
      expect(await backend.size(keyA)).toBe(data.length);
      expect((await readAll(await backend.openRead(keyA))).equals(data)).toBe(true);
    });

    it('a marker (where the backend has them): absent, created once, first bytes kept, never listed as an object', async (ctx) => {
      if (!backend.readMarker || !backend.createMarker) return ctx.skip();
      expect(await backend.readMarker('contract-marker.json')).toBeUndefined();
      expect(await backend.createMarker('contract-marker.json', Buffer.from('{"first":1}'))).toBe(true);
      expect(await backend.createMarker('contract-marker.json', Buffer.from('{"second":2}'))).toBe(false);
      expect((await backend.readMarker('contract-marker.json'))?.toString()).toBe('{"first":1}');
      expect(await keysOf(backend)).toEqual([]);
    });

    it('markers of two names (the identity record and the role marker) are apart; neither is an object', async (ctx) => {
      if (!backend.readMarker || !backend.createMarker) return ctx.skip();
      expect(await backend.createMarker('cotton-backup-identity.json', Buffer.from('{"identity":1}'))).toBe(true);
      expect(await backend.readMarker('cotton-backup-role.json')).toBeUndefined();
      expect(await backend.createMarker('cotton-backup-role.json', Buffer.from('{"role":1}'))).toBe(true);
      expect((await backend.readMarker('cotton-backup-identity.json'))?.toString()).toBe('{"identity":1}');
      expect((await backend.readMarker('cotton-backup-role.json'))?.toString()).toBe('{"role":1}');
      expect(await keysOf(backend)).toEqual([]);
    });

    it('a marker name that is a path, or of no marker shape, is refused by both calls', async (ctx) => {
      if (!backend.readMarker || !backend.createMarker) return ctx.skip();
      for (const bad of ['../escape.json', 'tmp/x.json', '/etc/passwd.json', 'marker.txt']) {
        await expect(backend.readMarker(bad)).rejects.toThrow(/invalid storage marker name/);
        await expect(backend.createMarker(bad, Buffer.from('{}'))).rejects.toThrow(/invalid storage marker name/);
      }
    });

    it('stores an empty object', async () => {
      expect(await backend.write(keyA, Readable.from([]))).toEqual({ written: true, storedBytes: 0 });
      expect(await backend.size(keyA)).toBe(0);
      expect((await readAll(await backend.openRead(keyA))).length).toBe(0);
    });

    it('runs a chain (source, transforms) as one pipeline', async () => {
      const upper = new Transform({ transform: (chunk: Buffer, _e, done) => done(null, Buffer.from(chunk.toString().toUpperCase())) });
      await backend.write(keyA, [Readable.from([Buffer.from('abc'), Buffer.from('def')]), upper]);
      expect((await readAll(await backend.openRead(keyA))).toString()).toBe('ABCDEF');
    });

    it('put-if-absent: an existing object wins, its bytes unchanged, the new source released', async () => {
      await backend.write(keyA, Readable.from([Buffer.from('first')]));
      const source = new PassThrough();
      source.end(Buffer.from('second, longer'));
      expect(await backend.write(keyA, source)).toEqual({ written: false, storedBytes: 5 });
      expect(source.destroyed).toBe(true);
      expect((await readAll(await backend.openRead(keyA))).toString()).toBe('first');
    });

    it('overwrite replaces the object (the pointer)', async () => {
      await backend.write(keyA, Readable.from([Buffer.from('{"latestBackupId":"1"}')]));
      const result = await backend.write(keyA, Readable.from([Buffer.from('{"latestBackupId":"22"}')]), { overwrite: true });
      expect(result).toEqual({ written: true, storedBytes: 23 });
      expect((await readAll(await backend.openRead(keyA))).toString()).toBe('{"latestBackupId":"22"}');
    });

    it('a source that fails midway leaves no object and no listing entry', async () => {
      async function* failing() {
        yield randomBytes(MiB);
        throw new Error('pg_dump exited with code 1');
      }
      await expect(backend.write(keyA, Readable.from(failing()))).rejects.toThrow('pg_dump exited with code 1');
      expect(await backend.exists(keyA)).toBe(false);
      expect(await keysOf(backend)).toEqual([]);
    });

    it('get of a missing object fails with ObjectNotFoundError before any byte', async () => {
      const error = await backend.openRead(keyA).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ObjectNotFoundError);
      expect((error as ObjectNotFoundError).key).toBe(keyA);
    });

    if (options.readInto) {
      it('readInto puts the bytes at the offset asked, refuses an object larger than allowed, and a missing one as openRead does', async () => {
        const data = randomBytes(70_000);
        await backend.write(keyA, Readable.from([data]));
        const out = Buffer.alloc(100_000, 0xee);
        expect(await backend.readInto!(keyA, out, 1000, data.length)).toBe(data.length);
        expect(out.subarray(1000, 1000 + data.length).equals(data)).toBe(true);
        expect(out[999]).toBe(0xee);
        expect(out[1000 + data.length]).toBe(0xee);
        expect(await backend.readInto!(keyA, out, 0, data.length - 1)).toBeUndefined();
        await expect(backend.readInto!(keyB, out, 0, 10)).rejects.toBeInstanceOf(ObjectNotFoundError);
        await expect(backend.readInto!('abc', out, 0, 10)).rejects.toBeInstanceOf(InvalidStorageKeyError);
      });
    }

    it('delete is harmless twice', async () => {
      await backend.write(keyA, Readable.from([Buffer.from('x')]));
      expect(await backend.delete(keyA)).toBe(true);
      expect(await backend.delete(keyA)).toBe(false);
      expect(await backend.exists(keyA)).toBe(false);
      await expect(backend.openRead(keyA)).rejects.toBeInstanceOf(ObjectNotFoundError);
    });

    it("lists every object in Cotton's key shape", async () => {
      expect(await keysOf(backend)).toEqual([]);
      await backend.write(keyA, Readable.from([Buffer.from('a')]));
      await backend.write(keyB, Readable.from([Buffer.from('b')]));
      expect(await keysOf(backend)).toEqual([keyA, keyB].sort());
    });

    it('refuses keys that are not 64 lowercase hex characters, for every operation', async () => {
      for (const bad of ['', 'abc', keyA.toUpperCase(), `${keyA}0`, `../${keyA.slice(3)}`, `${keyA.slice(0, 63)}g`]) {
        const source = Readable.from([Buffer.from('x')]);
        await expect(backend.write(bad, source)).rejects.toBeInstanceOf(InvalidStorageKeyError);
        expect(source.destroyed).toBe(true);
        await expect(backend.openRead(bad)).rejects.toBeInstanceOf(InvalidStorageKeyError);
        await expect(backend.size(bad)).rejects.toBeInstanceOf(InvalidStorageKeyError);
        await expect(backend.exists(bad)).rejects.toBeInstanceOf(InvalidStorageKeyError);
        await expect(backend.delete(bad)).rejects.toBeInstanceOf(InvalidStorageKeyError);
      }
      expect(await keysOf(backend)).toEqual([]);
    });

    it('sweep is housekeeping: it never touches a stored object', async () => {
      await backend.write(keyA, Readable.from([Buffer.from('kept')]));
      expect(await backend.sweep()).toBeGreaterThanOrEqual(0);
      expect((await readAll(await backend.openRead(keyA))).toString()).toBe('kept');
    });

    it('streams a large object through, byte for byte', async () => {
      const size = options.largeObjectBytes ?? 12 * MiB;
      const data = randomBytes(size);
      const pieces = Readable.from(
        (function* () {
          for (let offset = 0; offset < size; offset += 256 * 1024) yield data.subarray(offset, offset + 256 * 1024);
        })(),
      );
      expect(await backend.write(keyA, pieces)).toEqual({ written: true, storedBytes: size });
      expect(await backend.size(keyA)).toBe(size);
      expect((await readAll(await backend.openRead(keyA))).equals(data)).toBe(true);
    });
  });
}
