import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCottonDatabase } from '../../../test/support/cotton-schema';
import { runBackup } from '../take-backup/run-backup';
import { acquireBackupLock, BackupAlreadyRunningError } from '../take-backup/backup-lock';
import { createBackupFixture, type BackupFixture } from '../../../test/support/backup-fixture';
import { BackupCoordinator } from './backup-coordinator';
import { servedBackupOf } from '../../../test/support/host-fixture';

describe('BackupCoordinator', () => {
  let f: BackupFixture;
  let coordinator: BackupCoordinator;
  beforeAll(async () => {
    f = await createBackupFixture('trcoord');
    await seedCottonDatabase(f.db.pool, 1);
    coordinator = new BackupCoordinator({
      pool: f.db.pool,
      journal: f.services.journal,
      runBackup: (o) => runBackup(f.services.backup, o),
      pollIntervalMs: 3_600_000,
      lockRetryMs: 200,
    });
    coordinator.start();
  });
  afterAll(async () => {
    await coordinator.stop(0);
    await f.cleanup();
  });

  it('the same request id twice is one request', async () => {
    const id = '6f1c1c1e-3a4b-4c5d-8e6f-7a8b9c0d1e2f';
    await coordinator.request({ source: 'schedule', reason: 'r', requestedBy: 'pg-boss', requestId: id });
    await coordinator.request({ source: 'schedule', reason: 'r', requestedBy: 'pg-boss', requestId: id });
    const state = await coordinator.waitFor(id);
    expect(state.status).toBe('served');
    const { rows } = await f.db.pool.query(`SELECT count(*)::int AS n FROM cotton_backup.events WHERE type = 'BackupRequested' AND data ->> 'requestId' = $1`, [id]);
    expect(rows[0].n).toBe(1);
  });

  // A request is recorded served (PointerAdvanced) a moment before its backup lets the lock go: take the lock once that is over.
  async function lockWhenFree(): Promise<Awaited<ReturnType<typeof acquireBackupLock>>> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await acquireBackupLock(f.db.pool, f.db.name);
      } catch (error) {
        if (!(error instanceof BackupAlreadyRunningError) || attempt >= 200) throw error;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  it('when another process holds the backup lock, looks again on its own and serves the request after', async () => {
    const lock = await lockWhenFree();
    const id = await coordinator.request({ source: 'cli', reason: 'while locked', requestedBy: 'spec' });
    await new Promise((r) => setTimeout(r, 500));
    expect((await coordinator.status(id))?.status).toBe('pending');
    await lock.release();
    await servedBackupOf(f.db.pool, id);
  });

  it('waitFor rejects when its signal is aborted', async () => {
    const lock = await lockWhenFree();
    try {
      const id = await coordinator.request({ source: 'cli', reason: 'aborted wait', requestedBy: 'spec' });
      await expect(coordinator.waitFor(id, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    } finally {
      await lock.release();
    }
  });
});
