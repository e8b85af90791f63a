import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startS3Server, type TestS3Server } from '../../../test/support/s3-server';
import { deriveMasterEncryptionKey, pointerStorageKey, sha256Hex } from '../../keys/keys';
import type { StorageBackend } from '../backend/storage-backend';
import { encryptCtn2 } from '../ctn2/encrypt';
import { FilesystemStore } from '../filesystem/filesystem-store';
import { createPipelineStorage } from '../pipeline/pipeline';
import { S3Backend } from '../s3/s3-backend';
import { IDENTITY_NAME } from './identity-name';
import { InvalidStorageIdentityError } from './identity-record';
import { MASTER_KEY_SENTINEL, MasterKeyMismatchError, proveKey } from './prove-key';
import { storageIdentityHandle } from './storage-identity-handle';

const key = deriveMasterEncryptionKey('0123456789abcdef0123456789abcdef');
const otherKey = deriveMasterEncryptionKey('another-valid-key-0123456789abcd');
const now = new Date('2026-12-07T09:00:00Z');

const sentinelBytes = (wrappingKey: Buffer) =>
  encryptCtn2(Buffer.from(JSON.stringify({ schemaVersion: 1, purpose: 'cotton.master-key.sentinel.v1', createdAtUtc: now.toISOString(), nonce: 'AAAA' })), { masterKey: wrappingKey });

/** The same cases over the folder and over S3 (s3rver): the identity record goes through the backend seam. */
function proofCases(name: string, open: () => Promise<{ backend: StorageBackend; rawIdentity(): Promise<Buffer | undefined>; putRawIdentity(b: Buffer): Promise<void> }>) {
  describe(`key proof and identity: ${name}`, () => {
    let f: Awaited<ReturnType<typeof open>>;
    beforeEach(async () => {
      f = await open();
    });

    it('an empty storage proves nothing and passes; the first identity is written once and then proves the key', async () => {
      expect(await proveKey(f.backend, key)).toEqual({ by: 'empty' });
      const handle = storageIdentityHandle(f.backend, key);
      const created = await handle.create(now);
      expect(created?.storageId).toMatch(/^[0-9a-f]{32}$/);
      expect(JSON.parse((await f.rawIdentity())!.toString()).storageId).toBe(created!.storageId);
      // a second create keeps the first record (put-if-absent)
      expect((await handle.create(new Date()))?.storageId).toBe(created!.storageId);
      expect(await proveKey(f.backend, key)).toMatchObject({ by: 'identity', identity: { storageId: created!.storageId } });
      // Cotton's listing never sees the record
      const listed: string[] = [];
      for await (const k of f.backend.list()) listed.push(k);
      expect(listed).toEqual([]);
    });

    it('another key is refused by the identity HMAC, in one line naming COTTON_MASTER_KEY and the storage', async () => {
      const created = await storageIdentityHandle(f.backend, key).create(now);
      const error = await proveKey(f.backend, otherKey).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MasterKeyMismatchError);
      expect((error as Error).message).toBe(
        `COTTON_MASTER_KEY does not open storage ${f.backend.description}: its identity ${created!.storageId} (created ${now.toISOString()}) was made under another key; nothing was written. Set the key this storage was made with`,
      );
    });

    it("Cotton's sentinel decides where it exists: another key is refused, the right one adopted", async () => {
      await f.backend.write(MASTER_KEY_SENTINEL, Readable.from([sentinelBytes(key)]));
      expect(await proveKey(f.backend, key)).toEqual({ by: 'sentinel' });
      await expect(proveKey(f.backend, otherKey)).rejects.toThrow("Cotton's master-key sentinel does not decrypt under it");
    });

    it('a storage made before identity records: proven by our pointer or by any object, else refused', async () => {
      const pipeline = createPipelineStorage(f.backend, { masterEncryptionKey: key });
      const chunk = Buffer.from('a chunk of a dump');
      await pipeline.write(sha256Hex(chunk), chunk);
      expect(await proveKey(f.backend, key)).toEqual({ by: 'object' });
      await pipeline.write(pointerStorageKey(key), Buffer.from('{}'), { overwrite: true });
      expect(await proveKey(f.backend, key)).toEqual({ by: 'pointer' });
      // under another key: its pointer is elsewhere (absent) and no object opens
      await expect(proveKey(f.backend, otherKey)).rejects.toThrow(
        `COTTON_MASTER_KEY does not open storage ${f.backend.description}: it has no identity record, no latest-backup pointer under this key, and none of the 2 objects tried opens under it`,
      );
    });

    it('a damaged identity record is refused, never overwritten', async () => {
      await f.putRawIdentity(Buffer.from('{"schemaVersion":1,"storageId":"nope"}'));
      await expect(proveKey(f.backend, key)).rejects.toBeInstanceOf(InvalidStorageIdentityError);
      await expect(storageIdentityHandle(f.backend, key).create(now)).rejects.toBeInstanceOf(InvalidStorageIdentityError);
      expect((await f.rawIdentity())!.toString()).toBe('{"schemaVersion":1,"storageId":"nope"}');
    });
  });
}

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'cotton-prove-key-'));
});
afterAll(() => rm(folder, { recursive: true, force: true }));

let n = 0;
proofCases('folder', async () => {
  const root = join(folder, `files-${++n}`);
  const backend = new FilesystemStore(root);
  await backend.probe();
  return {
    backend,
    rawIdentity: () => readFile(join(root, IDENTITY_NAME)).catch(() => undefined),
    putRawIdentity: (b) => writeFile(join(root, IDENTITY_NAME), b),
  };
});

let server: TestS3Server;
beforeAll(async () => {
  server = await startS3Server();
});
afterAll(() => server?.stop());

proofCases('S3 (s3rver)', async () => {
  const bucket = await server.createBucket();
  const backend = new S3Backend(server.settings(bucket));
  const raw = new S3Backend(server.settings(bucket));
  return {
    backend,
    rawIdentity: () => raw.readMarker(IDENTITY_NAME),
    putRawIdentity: async (b) => {
      const { PutObjectCommand } = await import('@aws-sdk/client-s3');
      await raw.client.send(new PutObjectCommand({ Bucket: bucket, Key: IDENTITY_NAME, Body: b }));
    },
  };
});

describe('the folder backend names a root that is missing or a file', () => {
  it('a missing root', async () => {
    const missing = join(folder, 'nowhere');
    await expect(new FilesystemStore(missing).readMarker(IDENTITY_NAME)).rejects.toThrow(`storage root ${missing} is not usable: cannot read the folder: it does not exist (ENOENT)`);
  });
  it('a file as the root', async () => {
    const file = join(folder, 'a-file');
    await writeFile(file, 'x');
    await expect(new FilesystemStore(file).readMarker(IDENTITY_NAME)).rejects.toThrow(`storage root ${file} is not usable: cannot read the folder: a file stands where a folder should be (ENOTDIR)`);
  });
});
