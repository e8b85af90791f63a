import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackupFixture, type BackupFixture } from '../../../test/support/backup-fixture';
import { acquireBackupLock } from './backup-lock';
import { closeStaleRunsIfIdle } from './fail-stale-backups';

describe("the coordinator's stale-run check", () => {
  let f: BackupFixture;
  beforeAll(async () => {
    f = await createBackupFixture('stalechk');
  });
  afterAll(() => f?.cleanup());

  // It ran on every poll and took the backup lock to look: a backup started in that moment (the
  // CLI's, a test's) was refused as "already running" with nothing running (corruption-matrix's
  // beforeAll failed so, once in four CI runs).
  it('never makes a backup starting at the same moment find the lock taken when nothing is running', async () => {
    const { pool, journal, target } = f.services.backup;
    const refused: string[] = [];
    for (let round = 0; round < 40; round++) {
      const [, lock] = await Promise.all([
        closeStaleRunsIfIdle(pool, journal, target.database),
        acquireBackupLock(pool, target.database).catch((e: Error) => void refused.push(e.message)),
      ]);
      await lock?.release();
    }
    expect(refused).toEqual([]);
  });
});
