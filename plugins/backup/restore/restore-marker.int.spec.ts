import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCottonDatabase, snapshotTables } from '../../../test/support/cotton-schema';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { runBackup } from '../backup/run-backup';
import { createBackupFixture, type BackupFixture } from '../test-support';
import { isCottonDatabaseEmpty } from './database-state';
import { restoreBackup } from './restore-backup';
import { markRestoreInProgress, restoreWasInterrupted } from './restore-marker';

describe('a restore interrupted mid-pg_restore (the half-restored marker)', () => {
  let f: BackupFixture;
  let target: TestDatabase;
  beforeAll(async () => {
    f = await createBackupFixture('rmark');
    await seedCottonDatabase(f.db.pool);
    await runBackup(f.services.backup);
    target = await createTestDatabase('rmark_target');
  });
  afterAll(async () => {
    await target.drop();
    await f.cleanup();
  });

  it('makes a database that looks served count as empty, and the next restore wipes it first', async () => {
    // What a crash mid-pg_restore leaves: some of Cotton's tables with rows, plus the marker.
    await seedCottonDatabase(target.pool);
    await target.pool.query('CREATE TABLE public.half_restored_leftover (x int)');
    await markRestoreInProgress(target.pool);
    expect(await isCottonDatabaseEmpty(target.pool)).toBe(true);

    const ctx = f.services.restoreContext({ ...f.services.backup.target, database: target.name }, target.pool);
    const report = await restoreBackup(ctx, { trigger: 'cli' });
    expect(report.backupId).toMatch(/^[0-9a-f]{32}$/);
    expect(await restoreWasInterrupted(target.pool)).toBe(false);
    const { rows } = await target.pool.query("SELECT to_regclass('public.half_restored_leftover') AS t");
    expect(rows[0].t).toBeNull();
    expect(await snapshotTables(target.pool)).toEqual(await snapshotTables(f.db.pool));
    expect(await isCottonDatabaseEmpty(target.pool)).toBe(false);
  });
});
