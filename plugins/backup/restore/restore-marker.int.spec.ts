import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../../src/db/migrations/runner';
import { deriveMasterEncryptionKey } from '../../../src/keys/keys';
import { createStorage } from '../../../src/storage/open/create-storage';
import { seedCottonDatabase, snapshotTables } from '../../../test/support/cotton-schema';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { runBackup } from '../take-backup/run-backup';
import { MIGRATIONS_PATH } from '../index';
import { createJournal } from '../projections/journal';
import { createBackupFixture, type BackupFixture } from '../../../test/support/backup-fixture';
import { restoreTargetState } from './database-state';
import { restoreBackup } from './restore-backup';
import { leftDatabaseSentence, RestoreAbortedError } from './restore-errors';
import { markRestoreInProgress, readRestoreMarker, restoreMarkerKey } from './restore-marker';
import { restoreFromStorage } from './restore-from-storage';
import { StartupRestoreError } from './restore-errors';

const LEFTOVER_PRESENT = "SELECT to_regclass('public.half_restored_leftover') IS NOT NULL AS present";
const claim = (restoreId = '3f2b8c4e-6a1d-4f7e-9b2a-1c3d5e7f9a0b') => ({ restoreId, backupId: '0'.repeat(32), manifestKey: 'a'.repeat(64) });

describe('a restore interrupted mid-pg_restore (the half-restored marker)', () => {
  let f: BackupFixture;
  let target: TestDatabase;
  let key: Buffer;
  beforeAll(async () => {
    f = await createBackupFixture('rmark');
    await seedCottonDatabase(f.db.pool);
    await runBackup(f.services.backup);
    key = restoreMarkerKey(f.masterEncryptionKey);
  });
  afterAll(() => f.cleanup());
  afterEach(() => target?.drop());

  /** What a crash mid-pg_restore leaves: some of Cotton's tables with rows, plus our marker. */
  async function halfRestored(markerKey = key): Promise<TestDatabase> {
    target = await createTestDatabase('rmark_target');
    await seedCottonDatabase(target.pool);
    await target.pool.query('CREATE TABLE public.half_restored_leftover (x int)');
    await markRestoreInProgress(target.pool, markerKey, claim());
    return target;
  }

  it('makes a database that looks served count as empty, and the next restore wipes it once a backup verified', async () => {
    const db = await halfRestored();
    expect(await restoreTargetState(db.pool, key)).toEqual({ empty: true, marker: { kind: 'verified', claim: claim() } });

    const ctx = f.services.restoreContext({ ...f.services.backup.target, database: db.name }, db.pool);
    const report = await restoreBackup(ctx, { trigger: 'cli' });
    expect(report.events.map((e) => e.type)).toEqual(['RestoreStarted', 'Verified', 'InterruptedRestoreWiped', 'Restored', 'ExtensionsEnsured']);
    expect(report.events[2]!.data).toEqual({ interruptedRestoreId: claim().restoreId, backupId: claim().backupId, manifestKey: claim().manifestKey });
    expect(await readRestoreMarker(db.pool, key)).toEqual({ kind: 'absent' });
    expect((await db.pool.query(LEFTOVER_PRESENT)).rows[0].present).toBe(false);
    expect(await snapshotTables(db.pool)).toEqual(await snapshotTables(f.db.pool));
    expect((await restoreTargetState(db.pool, key)).empty).toBe(false);
  });

  it('is left untouched when no backup verifies, and no message says the database was emptied', async () => {
    const db = await halfRestored();
    const before = await snapshotTables(db.pool);
    const emptyRoot = await mkdtemp(join(tmpdir(), 'rmark-empty-'));
    try {
      const storage = createStorage({ root: join(emptyRoot, 'files'), masterEncryptionKey: f.masterEncryptionKey });
      const ctx = { ...f.services.restoreContext({ ...f.services.backup.target, database: db.name }, db.pool), storage };
      const aborted = await restoreBackup(ctx, { trigger: 'cli' }).catch((e: Error) => e);
      expect(aborted).toBeInstanceOf(RestoreAbortedError);
      const error = aborted as RestoreAbortedError;
      expect(error.left).toBe('untouched');
      expect(error.interrupted).toEqual(claim());
      expect(error.databaseIsClean).toBe(false);
      expect(leftDatabaseSentence(error, db.name)).toMatch(/was not touched: it still holds the half-done restore 3f2b8c4e/);
      expect(await snapshotTables(db.pool)).toEqual(before);
      expect((await db.pool.query(LEFTOVER_PRESENT)).rows[0].present).toBe(true);
      expect((await readRestoreMarker(db.pool, key)).kind).toBe('verified');

      const startup = await restoreFromStorage(ctx, { enabled: true, fallback: 'none' }).catch((e: Error) => e);
      expect(startup).toBeInstanceOf(StartupRestoreError);
      expect((startup as Error).message).not.toMatch(/left empty|was wiped|wiped again|COTTON_RESTORE_DATABASE_IF_EMPTY=false/);
      expect((startup as Error).message).toMatch(/not recorded in the database/);
      expect(await snapshotTables(db.pool)).toEqual(before);
    } finally {
      await rm(emptyRoot, { recursive: true, force: true });
    }
  });

  it('proves nothing when written under another master key', async () => {
    const db = await halfRestored(restoreMarkerKey(deriveMasterEncryptionKey('another-master-key-0123456789abc')));
    const state = await restoreTargetState(db.pool, key);
    expect(state.empty).toBe(false);
    expect(state.marker).toMatchObject({ kind: 'unverified', detail: expect.stringMatching(/MAC does not verify/) });
  });

  it('proves nothing when copied from another database', async () => {
    const db = await halfRestored();
    const other = await createTestDatabase('rmark_other');
    try {
      const { rows } = await db.pool.query('SELECT * FROM cotton_restore_in_progress.marker');
      await other.pool.query('CREATE SCHEMA cotton_restore_in_progress; CREATE TABLE cotton_restore_in_progress.marker (restore_id text, backup_id text, manifest_key text, mac text)');
      await other.pool.query('INSERT INTO cotton_restore_in_progress.marker VALUES ($1, $2, $3, $4)', Object.values(rows[0]));
      expect((await readRestoreMarker(other.pool, key)).kind).toBe('unverified');
    } finally {
      await other.drop();
    }
  });

  it('proves nothing once its restore is recorded in the event store (a replayed marker)', async () => {
    const db = await halfRestored();
    await runMigrations(db.pool, [{ plugin: 'backup', path: MIGRATIONS_PATH }]);
    expect((await readRestoreMarker(db.pool, key)).kind).toBe('verified');
    await createJournal(db.pool).append(`restore-${claim().restoreId}`, [{ type: 'Restored', data: { backupId: claim().backupId, durationMs: 1 } }]);
    expect(await readRestoreMarker(db.pool, key)).toMatchObject({ kind: 'unverified', detail: expect.stringMatching(/records as over/) });
  });
});
