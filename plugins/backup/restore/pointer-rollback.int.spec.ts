import { copyFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pointerStorageKey } from '../../../src/keys/keys';
import { appendBulkRows, seedCottonDatabase, snapshotTables } from '../../../test/support/cotton-schema';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { runBackup, type BackupOutcome } from '../take-backup/run-backup';
import { createBackupFixture, type BackupFixture } from '../../../test/support/backup-fixture';
import { verifyBackup } from '../verify/verify-backup';
import { restoreBackup } from './restore-backup';
import { RestoreAbortedError } from './restore-errors';
import { RestoreRejectedError } from '../repository/restore-rejection';

/**
 * Issue 10 point 12: the pointer replaced by an older copy of itself (still a valid pointer)
 * while the backup index beside it names a newer backup.
 */
describe('a latest-backup pointer rolled back to an older valid copy', () => {
  let f: BackupFixture;
  let b1: BackupOutcome;
  let b2: BackupOutcome;
  let snapshotB2: Record<string, string>;
  let target: TestDatabase;
  beforeAll(async () => {
    f = await createBackupFixture('rroll');
    await seedCottonDatabase(f.db.pool);
    b1 = await runBackup(f.services.backup);
    const pointerFile = f.storage.objectPath(pointerStorageKey(f.masterEncryptionKey));
    await copyFile(pointerFile, `${f.root}/pointer-of-b1`);
    await appendBulkRows(f.db.pool, 900_000, 50);
    b2 = await runBackup(f.services.backup);
    snapshotB2 = await snapshotTables(f.db.pool);
    await copyFile(`${f.root}/pointer-of-b1`, pointerFile); // the rollback: B1's pointer, bytes as written then
  });
  afterAll(() => f.cleanup());

  const ctxFor = (db: TestDatabase) => f.services.restoreContext({ ...f.services.backup.target, database: db.name }, db.pool);

  it('verify reports it, naming the newer backup, although the pointer’s backup verifies', async () => {
    const report = await verifyBackup(f.storage, f.masterEncryptionKey);
    expect(report.backupId).toBe(b1.backupId);
    expect(report.problems).toEqual([
      {
        key: pointerStorageKey(f.masterEncryptionKey),
        problem: 'pointer_behind',
        detail: expect.stringMatching(new RegExp(`pointer names backup ${b1.backupId} .*newer backup, the newest ${b2.backupId}`)),
      },
    ]);
  });

  it('a restore refuses by default, naming both backups, and touches nothing', async () => {
    target = await createTestDatabase('rroll_t');
    try {
      const error = await restoreBackup(ctxFor(target), { trigger: 'startup' }).catch((e: Error) => e);
      expect(error).toBeInstanceOf(RestoreAbortedError);
      const aborted = error as RestoreAbortedError;
      expect(aborted.reason).toBeInstanceOf(RestoreRejectedError);
      expect((aborted.reason as RestoreRejectedError).reason).toBe('pointer_behind');
      expect(aborted.message).toContain(b1.backupId);
      expect(aborted.message).toContain(b2.backupId);
      expect(aborted.left).toBe('untouched');
      expect(aborted.events.map((e) => e.type)).toEqual(['RestoreRejected', 'RestoreFailed']);
      const { rows } = await target.pool.query("SELECT to_regclass('public.users') AS t");
      expect(rows[0].t).toBeNull();
    } finally {
      await target.drop();
    }
  });

  it('with fallback, restores the newest backup that verifies, the event saying why', async () => {
    target = await createTestDatabase('rroll_f');
    try {
      const report = await restoreBackup(ctxFor(target), { trigger: 'startup', fallback: 'previous' });
      expect(report.backupId).toBe(b2.backupId);
      expect(report.events.map((e) => e.type)).toEqual(['RestoreRejected', 'RestoreStarted', 'Verified', 'Restored', 'ExtensionsEnsured']);
      expect(report.events[0]!.data).toMatchObject({ reason: 'pointer_behind', detail: expect.stringContaining(b2.backupId) });
      expect(await snapshotTables(target.pool)).toEqual(snapshotB2);
    } finally {
      await target.drop();
    }
  });

  it('an explicitly chosen backup is restored as asked', async () => {
    target = await createTestDatabase('rroll_c');
    try {
      const report = await restoreBackup(ctxFor(target), { trigger: 'cli', backupId: b1.backupId });
      expect(report.backupId).toBe(b1.backupId);
      expect(report.refused).toEqual([]);
    } finally {
      await target.drop();
    }
  });
});
