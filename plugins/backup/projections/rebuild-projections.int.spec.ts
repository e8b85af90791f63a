import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCottonDatabase } from '../../../test/support/cotton-schema';
import { runBackup } from '../take-backup/run-backup';
import { createBackupFixture, type BackupFixture } from '../../../test/support/backup-fixture';
import { rebuildProjections } from './rebuild-projections';

const TABLES = [
  'SELECT * FROM cotton_backup.backup_history ORDER BY backup_id',
  'SELECT * FROM cotton_backup.latest_backup',
  'SELECT * FROM cotton_backup.admin_notifications ORDER BY notification_id',
];

async function readModels(f: BackupFixture) {
  return Promise.all(TABLES.map(async (q) => (await f.db.pool.query(q)).rows));
}

describe('projections', () => {
  let f: BackupFixture;
  beforeAll(async () => {
    f = await createBackupFixture('bkproj');
    await seedCottonDatabase(f.db.pool);
  });
  afterAll(() => f.cleanup());

  it('rebuilt from the events alone give the same rows as the inline projection', async () => {
    // A transaction opened before the events and still open (it holds an older xid) must not cut
    // the replay short, as a reader bound to the snapshot's xmin would.
    const bystander = await f.db.pool.connect();
    await bystander.query('BEGIN; SELECT pg_current_xact_id()');
    await runBackup(f.services.backup);
    await expect(runBackup({ ...f.services.backup, target: { ...f.services.backup.target, database: 'missing_db_q' } })).rejects.toThrow();
    await runBackup(f.services.backup);
    const inline = await readModels(f);
    expect(inline[0]!.map((r) => r.status).sort()).toEqual(['failed', 'succeeded', 'succeeded']);

    await f.db.pool.query('DELETE FROM cotton_backup.backup_history; DELETE FROM cotton_backup.latest_backup');
    expect((await readModels(f))[0]).toEqual([]);
    const replayed = await rebuildProjections(f.db.pool).finally(async () => {
      await bystander.query('ROLLBACK');
      bystander.release();
    });
    expect(replayed).toBeGreaterThanOrEqual(12);
    expect(await readModels(f)).toEqual(inline);
  });
});
