import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve } from '../../../src/host/tokens';
import { deriveMasterEncryptionKey } from '../../../src/keys/keys';
import { createPipelineStorage } from '../../../src/storage/pipeline';
import { S3Backend } from '../../../src/storage/s3/s3-backend';
import { ADMIN_ID, seedCottonDatabase } from '../../../test/support/cotton-schema';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { startS3Server, TEST_S3_ACCESS_KEY_ID, TEST_S3_SECRET, type TestS3Server } from '../../../test/support/s3-server';
import { cottonNotifications, createEmptyTarget, hostConfig, MASTER_KEY, newHost, removeRoot, restoreEvents, SECOND_ADMIN_ID, tempRoot } from '../../../test/restore/fixtures';
import { runBackup, type BackupOutcome } from '../take-backup/run-backup';
import { serializeManifest, type Manifest } from '../manifest/manifest';
import { readManifest } from '../manifest/manifest-store';
import { REFUSED_TITLE } from '../notifications/restore-refused';
import { BackupTokens } from '../tokens';
import { isCottonDatabaseEmpty } from './database-state';
import type { RejectionReason } from './restore-rejection';

const masterEncryptionKey = deriveMasterEncryptionKey(MASTER_KEY);

async function rawBytes(backend: S3Backend, key: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of await backend.openRead(key)) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

const overwrite = (backend: S3Backend, key: string, bytes: Buffer) => backend.write(key, Readable.from([bytes]), { overwrite: true });

interface Case {
  name: string;
  reason: RejectionReason;
  /** Damages the bucket's objects (raw container bytes), as someone with write access to the bucket can. */
  corrupt(backend: S3Backend, b: { outcome: BackupOutcome; manifest: Manifest }): Promise<unknown>;
}

// The object damage of the folder's corruption matrix (corruption-matrix.int.spec.ts), done to a bucket.
const CASES: Case[] = [
  {
    name: 'one flipped byte in a chunk object',
    reason: 'decryption_failure',
    corrupt: async (s, b) => {
      const key = b.manifest.chunks[0]!.storageKey;
      const bytes = await rawBytes(s, key);
      bytes[bytes.length >> 1]! ^= 0x01;
      await overwrite(s, key, bytes);
    },
  },
  {
    name: 'a truncated chunk object',
    reason: 'decryption_failure',
    corrupt: async (s, b) => {
      const key = b.manifest.chunks.at(-1)!.storageKey;
      const bytes = await rawBytes(s, key);
      await overwrite(s, key, bytes.subarray(0, bytes.length >> 1));
    },
  },
  { name: 'a deleted chunk object', reason: 'missing_chunk', corrupt: (s, b) => s.delete(b.manifest.chunks[0]!.storageKey) },
  {
    name: 'a manifest edited in place (content no longer hashes to its key)',
    reason: 'invalid_manifest',
    corrupt: async (s, b) => {
      const edited = structuredClone(b.manifest);
      edited.dumpSizeBytes += 1;
      await createPipelineStorage(s, { masterEncryptionKey }).write(b.outcome.manifestKey, serializeManifest(edited).bytes, { overwrite: true });
    },
  },
  { name: 'a pointer to a missing manifest', reason: 'missing_manifest', corrupt: (s, b) => s.delete(b.outcome.manifestKey) },
];

describe('corruption matrix on S3: a startup restore refuses a damaged latest backup in the bucket', () => {
  let server: TestS3Server;
  let source: TestDatabase;
  let root: string;
  let bucket: string;
  let backup: { outcome: BackupOutcome; manifest: Manifest };

  const s3Env = (b: string) => ({
    COTTON_STORAGE_S3_ENDPOINT: server.endpoint,
    COTTON_STORAGE_S3_REGION: 'us-east-1',
    COTTON_STORAGE_S3_BUCKET: b,
    COTTON_STORAGE_S3_ACCESS_KEY_ID: TEST_S3_ACCESS_KEY_ID,
    COTTON_STORAGE_S3_SECRET_ACCESS_KEY: TEST_S3_SECRET,
  });

  beforeAll(async () => {
    server = await startS3Server();
    source = await createTestDatabase('rsmxs3');
    root = await tempRoot('rsmxs3');
    bucket = await server.createBucket('rsmx');
    await seedCottonDatabase(source.pool, 2);
    const host = newHost(hostConfig(source, root, { COTTON_RESTORE_DATABASE_IF_EMPTY: 'false', ...s3Env(bucket) }));
    await host.start();
    try {
      const outcome = await runBackup(resolve(host.pluginContainer('backup')!, BackupTokens.Context));
      const backend = new S3Backend(server.settings(bucket));
      backup = { outcome, manifest: await readManifest(createPipelineStorage(backend, { masterEncryptionKey }), outcome.manifestKey) };
      await backend.close();
    } finally {
      await host.stop();
    }
  });
  afterAll(async () => {
    await source.drop();
    await removeRoot(root);
    await server.stop();
  });

  /** A fresh bucket holding a copy of every object of the backup's bucket, so each case damages its own. */
  async function copyBucket(): Promise<{ name: string; backend: S3Backend }> {
    const name = await server.createBucket('rsmxc');
    const from = new S3Backend(server.settings(bucket));
    const to = new S3Backend(server.settings(name));
    for await (const key of from.list()) await to.write(key, Readable.from([await rawBytes(from, key)]));
    await from.close();
    return { name, backend: to };
  }

  it.each(CASES)('$name: refused ($reason), the database stays Cotton-empty, admins are notified', async (c) => {
    const copy = await copyBucket();
    const target = await createEmptyTarget('rsmxs3_t', true);
    try {
      await c.corrupt(copy.backend, backup);
      const host = newHost(hostConfig(target, root, s3Env(copy.name)));
      const started = host.start();
      await expect(started).rejects.toThrow(new RegExp(`restore refused \\(${c.reason}\\)`));
      await expect(started).rejects.toThrow(/Nothing was written into database .*: it is as it was.*What to do:/);
      expect(host.state).toBe('failed');
      expect(await isCottonDatabaseEmpty(target.pool)).toBe(true);
      const events = await restoreEvents(target.pool);
      expect(events.filter((e) => e.type === 'RestoreRejected').map((e) => e.data.reason)).toEqual([c.reason]);
      expect(events.some((e) => e.type === 'Restored')).toBe(false);
      const notes = await cottonNotifications(target.pool, REFUSED_TITLE);
      expect(notes.map((n) => n.user_id)).toEqual([ADMIN_ID, SECOND_ADMIN_ID]);
    } finally {
      await copy.backend.close();
      await target.drop();
    }
  }, 60_000);

  it('an undamaged copy of the bucket restores at start (the matrix fails for the damage, not the setup)', async () => {
    const copy = await copyBucket();
    const target = await createEmptyTarget('rsmxs3_ok', true);
    try {
      const host = newHost(hostConfig(target, root, s3Env(copy.name)));
      await host.start();
      await host.stop();
      const events = await restoreEvents(target.pool);
      expect(events.find((e) => e.type === 'RestoreStarted')!.data.backupId).toBe(backup.outcome.backupId);
      expect(events.some((e) => e.type === 'RestoreRejected')).toBe(false);
    } finally {
      await copy.backend.close();
      await target.drop();
    }
  }, 60_000);
});
