import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { acquireRestoreLock, RestoreInProgressError, RestoreLockLostError } from './restore-lock';

/** The restore lock shares the backup lock's helper: a lost session is heard (not a crash) and stops the holder. */
describe('the restore lock', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('rlock');
  });
  afterAll(async () => db?.drop());

  it('is one per database, and says when the session holding it is lost', async () => {
    const lock = await acquireRestoreLock(db.pool, db.name);
    await expect(acquireRestoreLock(db.pool, db.name)).rejects.toBeInstanceOf(RestoreInProgressError);
    expect(lock.lost.aborted).toBe(false);
    await db.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
    const deadline = Date.now() + 10_000;
    while (!lock.lost.aborted && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(lock.lost.reason).toBeInstanceOf(RestoreLockLostError);
    await lock.release(); // harmless on a lost session
    // The lock goes with the session, once its backend has exited: the client hears of the
    // termination before PostgreSQL has released the lock, so a first try may still find it held.
    let again = await acquireRestoreLock(db.pool, db.name).catch((error: unknown) => error);
    while (again instanceof RestoreInProgressError && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      again = await acquireRestoreLock(db.pool, db.name).catch((error: unknown) => error);
    }
    expect(again).not.toBeInstanceOf(Error);
    await (again as Awaited<ReturnType<typeof acquireRestoreLock>>).release();
  });
});
