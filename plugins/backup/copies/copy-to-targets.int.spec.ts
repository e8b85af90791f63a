import { mkdtemp, readFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pointerStorageKey } from '../../../src/keys/keys';
import { createStorage } from '../../../src/storage/open/create-storage';
import { appendBulkRows, seedCottonDatabase } from '../../../test/support/cotton-schema';
import { startS3Server, TEST_S3_ACCESS_KEY_ID, TEST_S3_SECRET, type TestS3Server } from '../../../test/support/s3-server';
import { runBackup } from '../take-backup/run-backup';
import { setFailpoints } from '../core/failpoints';
import { readBackupIndex } from '../repository/backup-index';
import { readPointer } from '../repository/manifest-store';
import { createBackupFixture, TEST_MASTER_KEY, type BackupFixture } from '../../../test/support/backup-fixture';
import { runCliCaptured } from '../../../test/support/cli';
import { flipByte, PLUGINS_PATH } from '../../../test/restore/fixtures';
import { runScheduledVerification } from '../runtime/verification-schedule';
import { verifyBackup } from '../verify/verify-backup';
import { describeBackendContract } from '../../../test/support/storage-contract';
import { sha256Hex } from '../../../src/keys/keys';
import type { CopyTarget } from '../settings/copies';
import { openTarget } from './open-target';
import { copyToTargets } from './copy-to-targets';

const SMALL_CHUNKS = { COTTON_CHUNK_MIN_BYTES: '4096', COTTON_CHUNK_AVG_BYTES: '8192', COTTON_CHUNK_MAX_BYTES: '32768', COTTON_BACKUP_COPY_ATTEMPTS: '2' };

async function copyEvents(f: BackupFixture, type: string): Promise<Record<string, any>[]> {
  const { rows } = await f.db.pool.query('SELECT data FROM cotton_backup.events WHERE type = $1 ORDER BY global_position', [type]);
  return rows.map((r) => r.data);
}

describe('copies to a folder target after every backup', () => {
  let f: BackupFixture;
  let copyRoot: string;
  beforeAll(async () => {
    copyRoot = await mkdtemp(join(tmpdir(), 'copy-target-'));
    f = await createBackupFixture('cpy', { ...SMALL_CHUNKS, COTTON_BACKUP_COPIES: `disk2=file://${copyRoot}/repo` });
    f.services.copies.retryBaseMs = 10;
    await seedCottonDatabase(f.db.pool, 0.1);
  });
  afterAll(async () => {
    setFailpoints(undefined);
    await f.cleanup();
    await rm(copyRoot, { recursive: true, force: true });
  });

  const target = () => createStorage({ root: join(copyRoot, 'repo'), masterEncryptionKey: f.masterEncryptionKey });

  it('copies the backup (objects, manifest, index, pointer) and the copy verifies with the master key', async () => {
    const o = await runBackup(f.services.backup);
    const pointer = await readPointer(target(), pointerStorageKey(f.masterEncryptionKey));
    expect(pointer?.latestBackupId).toBe(o.backupId);
    expect((await readBackupIndex(target(), f.masterEncryptionKey)).map((e) => e.backupId)).toEqual([o.backupId]);
    const report = await verifyBackup(target(), f.masterEncryptionKey);
    expect(report.problems).toEqual([]);
    expect(report.sha256).toBe(o.dumpContentHash);
    const [completed] = await copyEvents(f, 'CopyCompleted');
    expect(completed).toMatchObject({ target: 'disk2', backupId: o.backupId, objectsSkipped: 0, pointerAdvanced: true });
    expect(completed!.objectsSent).toBeGreaterThan(1);
    expect(completed!.bytesSent).toBeGreaterThan(0);
    const { rows } = await f.db.pool.query('SELECT last_backup_id, copies_completed FROM cotton_backup.copy_targets WHERE target = $1', ['disk2']);
    expect(rows[0]).toEqual({ last_backup_id: o.backupId, copies_completed: 1 });
  });

  it('sends only what the target lacks: a second backup of the same data skips the shared objects', async () => {
    await appendBulkRows(f.db.pool, 50_000, 20);
    const o = await runBackup(f.services.backup);
    const events = await copyEvents(f, 'CopyCompleted');
    const last = events.at(-1)!;
    expect(last.backupId).toBe(o.backupId);
    expect(last.objectsSkipped).toBeGreaterThan(0);
    expect(last.objectsSent).toBeLessThan(o.chunkCount + 1);
  });

  it('a target that cannot be written: CopyFailed after the retries, the backup itself succeeds, the target pointer untouched', async () => {
    const before = (await readPointer(target(), pointerStorageKey(f.masterEncryptionKey)))!.latestBackupId;
    // A file where the folder was: every write fails, whoever runs the test (root ignores modes).
    await rename(join(copyRoot, 'repo'), join(copyRoot, 'repo.away'));
    await writeFile(join(copyRoot, 'repo'), 'not a folder');
    try {
      await appendBulkRows(f.db.pool, 60_000, 20);
      const o = await runBackup(f.services.backup);
      const failed = (await copyEvents(f, 'CopyFailed')).at(-1)!;
      expect(failed).toMatchObject({ target: 'disk2', backupId: o.backupId, attempts: 2 });
      expect(failed.message).toMatch(/ENOTDIR|a file stands where a folder should be/);
      expect((await copyEvents(f, 'CopyStarted')).filter((e) => e.backupId === o.backupId).map((e) => e.attempt)).toEqual([1, 2]);
    } finally {
      await rm(join(copyRoot, 'repo'));
      await rename(join(copyRoot, 'repo.away'), join(copyRoot, 'repo'));
    }
    expect((await readPointer(target(), pointerStorageKey(f.masterEncryptionKey)))!.latestBackupId).toBe(before);
  });

  // Kills the revert of issue 27 point 5a (test/mutation/hardening-reverts.ts).
  it('catches up the backups the target missed, the newest first, and ends with the newest named', async () => {
    await appendBulkRows(f.db.pool, 70_000, 20);
    const since = (await f.db.pool.query('SELECT max(global_position) AS p FROM cotton_backup.events')).rows[0].p;
    const o = await runBackup(f.services.backup);
    const started = await f.db.pool.query("SELECT data->>'backupId' AS id FROM cotton_backup.events WHERE type = 'CopyStarted' AND global_position > $1 ORDER BY global_position", [since]);
    expect(started.rows.length).toBeGreaterThan(1);
    expect(started.rows[0].id).toBe(o.backupId);
    const { rows } = await f.db.pool.query("SELECT backup_id FROM cotton_backup.backup_history WHERE status = 'succeeded' ORDER BY started_at");
    const held = await f.db.pool.query('SELECT backup_id FROM cotton_backup.copied_backups WHERE target = $1', ['disk2']);
    expect(new Set(held.rows.map((r) => r.backup_id))).toEqual(new Set(rows.map((r) => r.backup_id)));
    expect((await readPointer(target(), pointerStorageKey(f.masterEncryptionKey)))!.latestBackupId).toBe(o.backupId);
  });

  it('a crash before the pointer leaves the target pointer on the previous complete backup; the next copy completes', async () => {
    const before = (await readPointer(target(), pointerStorageKey(f.masterEncryptionKey)))!.latestBackupId;
    setFailpoints('copy.beforePointer=throw');
    await appendBulkRows(f.db.pool, 80_000, 20);
    const o = await runBackup(f.services.backup).finally(() => setFailpoints(undefined));
    expect((await readPointer(target(), pointerStorageKey(f.masterEncryptionKey)))!.latestBackupId).toBe(before);
    expect((await verifyBackup(target(), f.masterEncryptionKey, { backupId: before })).problems).toEqual([]);
    // The index was written first, as on the primary: the target's pointer is seen to be behind until the next copy.
    expect((await verifyBackup(target(), f.masterEncryptionKey)).problems.map((p) => p.problem)).toEqual(['pointer_behind']);
    await copyToTargets(f.services.copies);
    expect((await readPointer(target(), pointerStorageKey(f.masterEncryptionKey)))!.latestBackupId).toBe(o.backupId);
    expect((await verifyBackup(target(), f.masterEncryptionKey)).problems).toEqual([]);
  });

  it('a damaged object in the target (cut short) is found by verify and replaced by the next copy', async () => {
    const manifestKey = (await readPointer(target(), pointerStorageKey(f.masterEncryptionKey)))!.latestManifestStorageKey;
    const report = await verifyBackup(target(), f.masterEncryptionKey);
    expect(report.manifestKey).toBe(manifestKey);
    const { readManifest } = await import('../repository/manifest-store');
    const chunk = (await readManifest(target(), manifestKey)).chunks[0]!.storageKey;
    await truncate(target().objectPath(chunk), 40);
    expect((await verifyBackup(target(), f.masterEncryptionKey)).problems.map((p) => p.key)).toEqual([chunk]);
    await copyToTargets(f.services.copies);
    expect((await verifyBackup(target(), f.masterEncryptionKey)).problems).toEqual([]);
  });

  it('a bit flipped in the target: `verify --target` finds it, the scheduled verification too, and the next copy replaces it', async () => {
    const manifestKey = (await readPointer(target(), pointerStorageKey(f.masterEncryptionKey)))!.latestManifestStorageKey;
    const { readManifest } = await import('../repository/manifest-store');
    const chunk = (await readManifest(target(), manifestKey)).chunks.at(-1)!.storageKey;
    await flipByte(target().objectPath(chunk));
    const env = {
      ...f.db.env, COTTON_MASTER_KEY: TEST_MASTER_KEY, COTTON_STORAGE_PATH: f.config.storage.root, COTTON_DATA_PATH: f.config.dataPath,
      COTTON_LOG_LEVEL: 'silent', COTTON_PLUGINS_PATH: PLUGINS_PATH, COTTON_BACKUP_COPIES: `disk2=file://${copyRoot}/repo`,
    };
    const cli = await runCliCaptured(env, 'verify', '--target', 'disk2');
    expect(cli.code).toBe(5);
    expect(cli.stdout).toContain(`copy target disk2: backup`);
    expect(cli.stdout).toContain(chunk);
    expect((await runCliCaptured(env, 'verify')).code).toBe(0); // the primary is fine
    const scheduled = await runScheduledVerification(f.services);
    expect(scheduled?.problems).toEqual([]);
    const failed = await f.db.pool.query("SELECT metadata FROM cotton_backup.events WHERE type = 'VerificationFailed' ORDER BY global_position");
    expect(failed.rows.map((r) => r.metadata)).toEqual([{ trigger: 'cli', target: 'disk2' }, { trigger: 'schedule', target: 'disk2' }]);
    await copyToTargets(f.services.copies);
    expect((await verifyBackup(target(), f.masterEncryptionKey)).problems).toEqual([]);
    expect((await copyEvents(f, 'CopyCompleted')).at(-1)!.repairedKeys).toEqual([chunk]);
    const shown = await runCliCaptured(env, 'copies');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`disk2 (file://${copyRoot}/repo)`);
    expect(shown.stdout).toMatch(/backups held {2}\d+/);
  });

  it('a target that vanished and came back gets the newest backup again', async () => {
    await rm(join(copyRoot, 'repo'), { recursive: true, force: true });
    await copyToTargets(f.services.copies);
    expect((await verifyBackup(target(), f.masterEncryptionKey)).problems).toEqual([]);
  });

  it("reports each object's progress (the CLI's bar): every chunk and the manifest, counted up to the backup's count", async () => {
    await rm(join(copyRoot, 'repo'), { recursive: true, force: true });
    const seen: { target: string; objectsDone: number; objectCount: number; bytesSent: number }[] = [];
    await copyToTargets({ ...f.services.copies, onCopyProgress: (t, _backupId, p) => seen.push({ target: t, ...p }) });
    const last = seen.at(-1)!;
    expect(seen.map((p) => p.objectsDone)).toEqual(Array.from({ length: last.objectCount }, (_, i) => i + 1));
    expect(last).toMatchObject({ target: 'disk2', objectsDone: last.objectCount });
    expect(last.bytesSent).toBeGreaterThan(0);
  });

  it('tells the admins once when a target has had no successful copy for longer than the alert age', async () => {
    await writeFile(join(copyRoot, 'blocker'), 'a file where the folder should be');
    const settings = f.services.copies.settings;
    const copies = { ...f.services.copies, settings: { ...settings, targets: [{ name: 'blocked', kind: 'folder' as const, url: 'x', path: join(copyRoot, 'blocker', 'repo') }], alertAfterMs: 0 } };
    await copyToTargets(copies);
    await new Promise((r) => setTimeout(r, 5));
    await copyToTargets(copies);
    const admins = await f.db.pool.query('SELECT id FROM public.users WHERE role = 2');
    const { rows } = await f.db.pool.query("SELECT title FROM public.notifications WHERE title = 'Backup copy overdue'");
    expect(rows.length).toBe(admins.rows.length);
    expect(rows.length).toBeGreaterThan(0);
    expect((await copyEvents(f, 'AdminsNotified')).filter((e) => e.kind === 'copy_overdue')).toHaveLength(1);
    expect(await readFile(join(copyRoot, 'blocker'), 'utf8')).toContain('a file');
  });

  it('a damaged-keys list forged in the database never replaces a good copy with a damaged original', async () => {
    const manifestKey = (await readPointer(target(), pointerStorageKey(f.masterEncryptionKey)))!.latestManifestStorageKey;
    const { readManifest } = await import('../repository/manifest-store');
    const chunk = (await readManifest(target(), manifestKey)).chunks[0]!.storageKey;
    const original = await readFile(f.storage.objectPath(chunk));
    await flipByte(f.storage.objectPath(chunk));
    try {
      await f.db.pool.query('UPDATE cotton_backup.copy_targets SET damaged_keys = $2 WHERE target = $1', ['disk2', [chunk]]);
      await copyToTargets(f.services.copies);
      expect((await verifyBackup(target(), f.masterEncryptionKey)).problems).toEqual([]);
      expect((await copyEvents(f, 'CopyCompleted')).at(-1)!.repairedKeys).toBeUndefined();
    } finally {
      await writeFile(f.storage.objectPath(chunk), original);
    }
  });

  // Kills the revert of issue 27 point 5b (test/mutation/hardening-reverts.ts): with the newest
  // copied first, only a backup older than the unreadable one shows whether the catch-up goes on.
  it('a backup that cannot be read is recorded as CopyFailed and skipped: the older ones after it are still copied', async () => {
    for (let i = 0; i < 3; i++) {
      await appendBulkRows(f.db.pool, 90_000 + i * 100, 20);
      await runBackup(f.services.backup);
    }
    const kept = (await f.db.pool.query("SELECT backup_id, manifest_key FROM cotton_backup.backup_history WHERE status = 'succeeded' AND retention IS DISTINCT FROM 'expired' ORDER BY started_at DESC")).rows;
    const unreadable = kept[1]!;
    const manifest = f.storage.objectPath(unreadable.manifest_key);
    const late: CopyTarget = { name: 'late', kind: 'folder', url: 'x', path: join(copyRoot, 'late') };
    await rename(manifest, `${manifest}.away`);
    try {
      const [outcome] = await copyToTargets({ ...f.services.copies, settings: { ...f.services.copies.settings, targets: [late] } });
      expect(outcome!.failed.map((x) => x.backupId)).toEqual([unreadable.backup_id]);
      expect(new Set(outcome!.copied)).toEqual(new Set(kept.filter((k) => k !== unreadable).map((k) => k.backup_id)));
      expect((await copyEvents(f, 'CopyFailed')).at(-1)).toMatchObject({ target: 'late', backupId: unreadable.backup_id });
    } finally {
      await rename(`${manifest}.away`, manifest);
    }
  });
});

describe('copies to an S3 target (s3rver)', () => {
  let f: BackupFixture;
  let s3: TestS3Server;
  let bucket: string;
  beforeAll(async () => {
    s3 = await startS3Server();
    bucket = await s3.createBucket('copies');
    f = await createBackupFixture('cps3', {
      ...SMALL_CHUNKS,
      COTTON_BACKUP_COPIES: `s3://${bucket}/cotton/copy`,
      AWS_ENDPOINT_URL: s3.endpoint,
      AWS_ACCESS_KEY_ID: TEST_S3_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: TEST_S3_SECRET,
    });
    f.services.copies.retryBaseMs = 10;
    await seedCottonDatabase(f.db.pool, 0.1);
  });
  afterAll(async () => {
    await f.cleanup();
    await s3.stop();
  });

  const s3Target = async (prefix: string) => {
    const target: CopyTarget = { name: 'offsite', kind: 's3', url: `s3://${bucket}/${prefix}`, bucket, prefix };
    return openTarget(target, f.services.settings.copies, f.masterEncryptionKey);
  };

  describeBackendContract('an S3 copy target, opened as copies open it', async () => {
    const opened = await s3Target(`contract-${sha256Hex(String(Math.random())).slice(0, 8)}/`);
    return { backend: opened.backend, dispose: async () => undefined };
  });

  it("a target's S3 operations are retried as the primary's are: more failed answers than the SDK's two tries pass", async () => {
    const opened = await s3Target('retried/');
    try {
      const key = sha256Hex('retried on the target');
      await opened.storage.write(key, Buffer.from('bytes'));
      s3.failNext(3, 503, 'SlowDown', (method) => method === 'HEAD');
      expect(await opened.backend.exists(key)).toBe(true);
    } finally {
      await opened.close();
    }
  });

  it('copies under the prefix and the copy verifies; a server that is down fails the copy and is caught up after', async () => {
    const first = await runBackup(f.services.backup);
    const opened = await openTarget(f.services.settings.copies.targets[0]!, f.services.settings.copies, f.masterEncryptionKey);
    try {
      expect((await verifyBackup(opened.storage, f.masterEncryptionKey)).sha256).toBe(first.dumpContentHash);
      s3.setDown(true);
      await appendBulkRows(f.db.pool, 50_000, 20);
      const second = await runBackup(f.services.backup);
      s3.setDown(false);
      expect((await copyEvents(f, 'CopyFailed')).at(-1)).toMatchObject({ backupId: second.backupId, target: `s3://${bucket}/cotton/copy` });
      await copyToTargets(f.services.copies);
      const report = await verifyBackup(opened.storage, f.masterEncryptionKey);
      expect(report.backupId).toBe(second.backupId);
      expect(report.problems).toEqual([]);
      expect(s3.requests.some((r) => r.includes(`/${bucket}/cotton/copy/`))).toBe(true);
    } finally {
      await opened.close();
    }
  });
});
