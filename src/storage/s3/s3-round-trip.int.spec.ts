import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../db/migrations/runner';
import { deriveMasterEncryptionKey, pointerStorageKey } from '../../keys/keys';
import { MIGRATIONS_PATH } from '../../../plugins/backup/index';
import { readPointer } from '../../../plugins/backup/repository/manifest-store';
import { runBackup } from '../../../plugins/backup/take-backup/run-backup';
import { createBackupServices } from '../../../plugins/backup/runtime/services';
import { seedCottonDatabase, snapshotTables } from '../../../test/support/cotton-schema';
import { createTestDatabase, dropDatabase, testPool, uniqueDatabaseName, type TestDatabase } from '../../../test/support/database';
import { cliEnvironment, runCliCaptured } from '../../../test/support/cli';
import { cottonBucketObjectName, openCottonObject } from '../../../test/support/independent-bucket-reader';
import { startS3Server, TEST_S3_ACCESS_KEY_ID, TEST_S3_SECRET, type TestS3Server } from '../../../test/support/s3-server';
import { hostConfig, MASTER_KEY, newHost, PLUGINS_PATH, removeRoot, REPO, SMALL_CHUNKS, tempRoot, writeCottonStyleBackup } from '../../../test/restore/fixtures';
import { encryptCtn2 } from '../../../test/support/independent-cotton/ctn2';
import { createPipelineStorage } from '../pipeline/pipeline';
import { S3Backend } from './s3-backend';
import { IDENTITY_NAME } from '../identity/identity-name';

const masterEncryptionKey = deriveMasterEncryptionKey(MASTER_KEY);
const SENTINEL_KEY = '71093c6b8c3823f8c6db5b5c2e84f4cb3af922a5ac1252753357b4b97c00f9bc';

describe('backup → verify → restore with the storage on S3 (s3rver)', () => {
  let server: TestS3Server;
  let source: TestDatabase;
  let root: string;
  const created: string[] = [];
  const pools: pg.Pool[] = [];

  beforeAll(async () => {
    server = await startS3Server();
    source = await createTestDatabase('s3rt');
    root = await tempRoot('s3rt');
    await seedCottonDatabase(source.pool, 2);
  });
  afterAll(async () => {
    for (const p of pools) await p.end().catch(() => undefined);
    for (const name of created) await dropDatabase(name);
    await source.drop();
    await removeRoot(root);
    await server.stop();
  });

  function envFor(bucket: string, extra: Record<string, string> = {}): Record<string, string> {
    return {
      ...cliEnvironment(source, root, MASTER_KEY, PLUGINS_PATH),
      ...SMALL_CHUNKS,
      COTTON_STORAGE_S3_ENDPOINT: server.endpoint,
      COTTON_STORAGE_S3_BUCKET: bucket,
      COTTON_STORAGE_S3_ACCESS_KEY_ID: TEST_S3_ACCESS_KEY_ID,
      COTTON_STORAGE_S3_SECRET_ACCESS_KEY: TEST_S3_SECRET,
      ...extra,
    };
  }

  const cli = runCliCaptured;

  // Each test is a deployment of its own over the one source database: a new bucket is a new
  // storage, which the database's record of the previous one would refuse (storage identity).
  async function newBucket(): Promise<string> {
    await source.pool.query("DELETE FROM cotton_backup.storage_identity WHERE to_regclass('cotton_backup.storage_identity') IS NOT NULL").catch(() => undefined);
    return server.createBucket();
  }

  function newTarget(): { name: string; pool: () => pg.Pool } {
    const name = uniqueDatabaseName('s3rt_t');
    created.push(name);
    return {
      name,
      pool: () => {
        const pool = testPool(name, 2);
        pool.on('error', () => undefined);
        pools.push(pool);
        return pool;
      },
    };
  }

  function rawBackend(bucket: string): S3Backend {
    return new S3Backend(server.settings(bucket));
  }

  async function rawObject(bucket: string, key: string): Promise<Buffer> {
    const backend = rawBackend(bucket);
    const answer = await backend.client.send(new GetObjectCommand({ Bucket: bucket, Key: cottonBucketObjectName(key) }));
    const bytes = Buffer.from(await answer.Body!.transformToByteArray());
    await backend.close();
    return bytes;
  }

  it('a CLI backup lands in the bucket (nothing in the folder), verifies, restores equal, and reads back through an independent reader', async () => {
    const bucket = await newBucket();
    const env = envFor(bucket);
    const backup = await cli(env, 'backup', '--json');
    expect(backup.stderr).not.toMatch(/cotton-backup:/);
    expect(backup.code).toBe(0);
    const outcome = JSON.parse(backup.stdout) as { backupId: string; manifestKey: string; chunkCount: number };
    expect(await readdir(join(root, 'files')).catch(() => [])).not.toContain(outcome.manifestKey.slice(0, 2));

    const listed = (await cli(env, 'storage', 'ls')).stdout.trim().split('\n').sort();
    expect(listed).toContain(outcome.manifestKey);
    expect(listed).toContain(pointerStorageKey(masterEncryptionKey));

    // independent of src/storage: Cotton's layout in the bucket, CTN2 + zstd, every key the hash of its plaintext
    const manifest = JSON.parse(openCottonObject(outcome.manifestKey, await rawObject(bucket, outcome.manifestKey), masterEncryptionKey).toString('utf8'));
    expect(manifest.backupId).toBe(outcome.backupId);
    for (const chunk of manifest.chunks as { storageKey: string; sizeBytes: number }[]) {
      expect(openCottonObject(chunk.storageKey, await rawObject(bucket, chunk.storageKey), masterEncryptionKey).length).toBe(chunk.sizeBytes);
    }

    const verify = await cli(env, 'verify', '--json');
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, backupId: outcome.backupId });

    const target = newTarget();
    const restore = await cli(env, 'restore', '--target-database', target.name, '--json');
    expect(restore.stderr).not.toMatch(/cotton-backup:/);
    expect(restore.code).toBe(0);
    expect(await snapshotTables(target.pool())).toEqual(await snapshotTables(source.pool));
  });

  // The corruption matrix's object-level damage, done to the bucket: verify names the object, restore refuses with the reason.
  it.each([
    ['a flipped byte in a chunk object', 'decryption_failure', (bytes: Buffer) => ((bytes[bytes.length - 40]! ^= 0x01), bytes)],
    ['a truncated chunk object', 'decryption_failure', (bytes: Buffer) => bytes.subarray(0, bytes.length >> 1)],
    ['a deleted chunk object', 'missing_chunk', () => undefined],
  ] as const)('%s in the bucket: verify names it, restore refuses (%s)', async (_name, reason, damage) => {
    const bucket = await newBucket();
    const env = envFor(bucket);
    const outcome = JSON.parse((await cli(env, 'backup', '--json')).stdout) as { manifestKey: string };
    const backend = rawBackend(bucket);
    const pipeline = createPipelineStorage(backend, { masterEncryptionKey });
    const manifest = JSON.parse((await pipeline.readBuffer(outcome.manifestKey)).toString('utf8'));
    const victim = manifest.chunks[0].storageKey as string;
    const damaged = damage(await rawObject(bucket, victim));
    if (damaged) await backend.client.send(new PutObjectCommand({ Bucket: bucket, Key: cottonBucketObjectName(victim), Body: damaged }));
    else await backend.delete(victim);
    await backend.close();

    const verify = await cli(env, 'verify', '--json');
    expect(verify.code).toBe(5);
    expect(verify.stdout).toContain(victim);
    const target = newTarget();
    const restore = await cli(env, 'restore', '--target-database', target.name);
    expect(restore.code).toBe(1);
    expect(restore.stderr).toContain(reason);
  });

  it('another master key, or another bucket than the recorded one: refused in one line, nothing written (issue 27 points 0, 0b)', async () => {
    const bucket = await newBucket();
    const env = envFor(bucket);
    expect((await cli(env, 'backup', '--json')).code).toBe(0);
    const listed = async (b: string) => (await cli(envFor(b), 'storage', 'ls')).stdout.trim().split('\n').filter(Boolean).length;
    const objects = await listed(bucket);
    const identity = JSON.parse((await rawBackend(bucket).readMarker(IDENTITY_NAME))!.toString());

    const wrongKey = await cli({ ...env, COTTON_MASTER_KEY: 'another-valid-key-0123456789abcd' }, 'backup', '--json');
    expect(wrongKey.code).not.toBe(0);
    // --json: the refusal is the one JSON error line on stderr.
    expect(JSON.parse(wrongKey.stderr).error.message).toBe(
      `COTTON_MASTER_KEY does not open storage s3://${bucket}/ at ${server.endpoint}: its identity ${identity.storageId} (created ${identity.createdAtUtc}) was made under another key; nothing was written. Set the key this storage was made with`,
    );
    expect(await listed(bucket)).toBe(objects);

    const other = await server.createBucket();
    const elsewhere = await cli(envFor(other), 'backup', '--json');
    expect(elsewhere.code).not.toBe(0);
    expect(elsewhere.stderr.trim().split('\n')).toHaveLength(1);
    expect(elsewhere.stderr).toContain(`storage s3://${other}/ at ${server.endpoint} is empty and has no identity record, but this database's backups are in storage ${identity.storageId} (at s3://${bucket}/`);
    expect(elsewhere.stderr).toContain('check the S3 bucket (COTTON_STORAGE_S3_BUCKET');
    expect(await listed(other)).toBe(0);
    expect(await rawBackend(other).readMarker(IDENTITY_NAME)).toBeUndefined();
  });

  it('the S3 secret never reaches the logs, even at trace level', async () => {
    const bucket = await newBucket();
    const secret = 'distinctive-s3-secret-value-4f1c';
    // s3rver does not check signatures, so any secret works against it; a real process, so the logs are its stderr
    const env = envFor(bucket, { COTTON_STORAGE_S3_SECRET_ACCESS_KEY: secret, COTTON_LOG_LEVEL: 'trace', PATH: process.env.PATH ?? '' });
    const run = await promisify(execFile)(process.execPath, [join(REPO, 'bin', 'cotton-backup.js'), 'backup', '--json'], { env, cwd: REPO });
    expect(run.stderr).toContain('storage is S3');
    expect(run.stderr + run.stdout).not.toContain(secret);
  });

  it('a bucket that does not exist, or credentials the server refuses: one line naming the setting', async () => {
    const missing = await cli(envFor('no-such-bucket-anywhere'), 'storage', 'ls');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('the bucket does not exist (check COTTON_STORAGE_S3_BUCKET)');
    const bucket = await newBucket();
    const refused = await cli(envFor(bucket, { COTTON_STORAGE_S3_ACCESS_KEY_ID: 'nobody', COTTON_STORAGE_S3_SECRET_ACCESS_KEY: 'a-secret-never-shown' }), 'storage', 'ls');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('check COTTON_STORAGE_S3_ACCESS_KEY_ID');
    expect(refused.stderr).not.toContain('a-secret-never-shown');
  });

  it("Cotton's own S3 settings (server_settings.storage_type = 1, the secret CTN2-encrypted without zstd) choose the bucket", async () => {
    const bucket = await newBucket();
    const db = await createTestDatabase('s3rt_cs');
    try {
      await seedCottonDatabase(db.pool, 1);
      await db.pool.query(`ALTER TABLE server_settings ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(), ADD COLUMN storage_type integer NOT NULL DEFAULT 0,
        ADD COLUMN s3_endpoint_url text, ADD COLUMN s3_region text, ADD COLUMN s3_access_key_id text, ADD COLUMN s3_bucket_name text, ADD COLUMN s3_secret_access_key_encrypted text`);
      const secret = encryptCtn2(Buffer.from(TEST_S3_SECRET, 'utf8'), { wrappingKey: masterEncryptionKey }).toString('base64');
      await db.pool.query(
        `UPDATE server_settings SET storage_type = 1, s3_endpoint_url = $1, s3_region = 'eu-central-1', s3_access_key_id = $2, s3_bucket_name = $3, s3_secret_access_key_encrypted = $4`,
        [server.endpoint, TEST_S3_ACCESS_KEY_ID, bucket, secret],
      );
      const env = { ...envFor(bucket), ...db.env };
      for (const name of ['COTTON_STORAGE_S3_ENDPOINT', 'COTTON_STORAGE_S3_BUCKET', 'COTTON_STORAGE_S3_ACCESS_KEY_ID', 'COTTON_STORAGE_S3_SECRET_ACCESS_KEY']) delete (env as Record<string, string>)[name];
      const backup = await cli(env, 'backup', '--json');
      expect(backup.stderr).not.toMatch(/cotton-backup:/);
      expect(backup.code).toBe(0);
      const { manifestKey } = JSON.parse(backup.stdout) as { manifestKey: string };
      expect(openCottonObject(manifestKey, await rawObject(bucket, manifestKey), masterEncryptionKey).length).toBeGreaterThan(0);

      // the wrong master key cannot decrypt Cotton's secret: one line naming the column, no secret
      const wrong = await cli({ ...env, COTTON_MASTER_KEY: 'another-master-key-0123456789abc' }, 'storage', 'ls');
      expect(wrong.code).not.toBe(0);
      expect(wrong.stderr).toContain('cannot decrypt server_settings.s3_secret_access_key_encrypted under the master key');
      expect(wrong.stderr).not.toContain(TEST_S3_SECRET);

      // a prefix is for a bucket of our own
      const prefixed = await cli({ ...env, COTTON_STORAGE_S3_PREFIX: 'ours/' }, 'storage', 'ls');
      expect(prefixed.stderr).toContain("COTTON_STORAGE_S3_PREFIX is for a bucket of our own (COTTON_STORAGE_S3_BUCKET): Cotton's bucket has no prefix");
    } finally {
      await db.drop();
    }
  });

  it('a bucket laid out the way Cotton writes it (fixed chunks, delete-then-write pointer, sentinel without zstd) restores at start into an empty database', async () => {
    const bucket = await newBucket();
    const backend = rawBackend(bucket);
    const sentinel = JSON.stringify({ schemaVersion: 1, purpose: 'cotton.master-key.sentinel.v1', createdAtUtc: new Date().toISOString(), nonce: 'AAECAwQFBgcICQoLDA0ODw==' });
    await backend.write(SENTINEL_KEY, Readable.from([encryptCtn2(Buffer.from(sentinel), { wrappingKey: masterEncryptionKey })]));
    // Cotton's job, written by the independent implementation into a folder, then every object's
    // container bytes put into the bucket as they are (Cotton's S3 layout is the folder's).
    const laidOut = await tempRoot('s3rt-cotton');
    const { manifest } = await writeCottonStyleBackup(source, { root: laidOut });
    for (const path of await ctnFiles(laidOut)) {
      const key = path.slice(laidOut.length + 1).replace('.ctn', '').replaceAll('/', '');
      await backend.write(key, Readable.from([await readFile(path)]));
    }
    await removeRoot(laidOut);
    await backend.close();

    const target = newTarget();
    const config = hostConfig({ env: { ...source.env, COTTON_PG_DATABASE: target.name } }, root, envFor(bucket, { COTTON_PG_DATABASE: target.name }));
    const host = newHost(config);
    try {
      await host.start();
    } finally {
      await host.stop();
    }
    const pool = target.pool();
    const users = await pool.query('SELECT count(*)::int AS n FROM users');
    expect(users.rows[0].n).toBeGreaterThan(0);
    const events = await pool.query<{ type: string; data: { backupId?: string } }>(`SELECT type, data FROM cotton_backup.events WHERE type = 'Restored'`);
    expect(events.rows[0]?.data.backupId).toBe(manifest.backupId);
  });

  it('the server stopped mid-backup: a clean BackupFailed, the pointer unchanged', async () => {
    const bucket = await newBucket();
    const db = await createTestDatabase('s3rt_stop');
    try {
      await seedCottonDatabase(db.pool, 2);
      await runMigrations(db.pool, [{ plugin: 'backup', path: MIGRATIONS_PATH }]);
      const config = hostConfig(db, root);
      const backend = new S3Backend(server.settings(bucket), { maxAttempts: 2 });
      const storage = createPipelineStorage(backend, { masterEncryptionKey });
      const services = createBackupServices({ config, pool: db.pool, storage, masterEncryptionKey, clock: { now: () => new Date() } });
      const first = await runBackup(services.backup);
      const pointerKey = pointerStorageKey(masterEncryptionKey);
      const before = await readPointer(storage, pointerKey);
      expect(before?.latestBackupId).toBe(first.backupId);

      await db.pool.query(`UPDATE users SET updated_at = now() + interval '1 day'`);
      let puts = 0;
      server.failNext(1, 500, 'never', (method) => {
        if (method === 'PUT' && ++puts === 3) server.setDown(true);
        return false;
      });
      const failed = await runBackup(services.backup).catch((e: unknown) => e);
      server.setDown(false);
      expect(failed).toBeInstanceOf(Error);
      expect((failed as Error).message).toMatch(/does not answer|ECONN|socket|closed/i);
      expect((await readPointer(storage, pointerKey))?.latestBackupId).toBe(first.backupId);
      const types = await db.pool.query<{ type: string }>(`SELECT type FROM cotton_backup.events ORDER BY global_position`);
      const all = types.rows.map((r) => r.type);
      const afterFirst = all.slice(all.lastIndexOf('PointerAdvanced') + 1);
      expect(afterFirst).toContain('BackupStarted');
      expect(afterFirst).toContain('BackupFailed');

      // the server back: the next backup (the retry) goes through and advances the pointer
      const retried = await runBackup(services.backup);
      expect((await readPointer(storage, pointerKey))?.latestBackupId).toBe(retried.backupId);
      await backend.close();
      await services.coordinator.stop(0);
    } finally {
      await db.drop();
    }
  });
});

/** Every `*.ctn` file three levels below a storage root (Cotton's layout). */
async function ctnFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true });
  return entries.filter((e) => /^[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{60}\.ctn$/.test(e)).map((e) => join(root, e));
}
