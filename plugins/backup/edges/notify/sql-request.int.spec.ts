import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPool } from '../../../../test/support/database';
import { connect, createHostFixture, eventsOfType, servedBackupOf, waitUntil, type HostFixture } from '../../../../test/support/host-fixture';

describe('SELECT cotton_backup.request_checkpoint(reason)', () => {
  let f: HostFixture;
  beforeAll(async () => {
    f = await createHostFixture('trsql');
  });
  afterAll(() => f.cleanup());

  it('requests made while no host runs are served when one starts', async () => {
    // The first start creates the schema; then the host is stopped and requests pile up.
    const first = await f.startHost();
    await first.stop();
    const client = await connect(f.db);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await client.query('SELECT cotton_backup.request_checkpoint($1) AS id', [`offline ${i}`])).rows[0].id);
    await client.end();
    const pending = await f.db.pool.query('SELECT status FROM cotton_backup.checkpoint_requests WHERE request_id = ANY($1::uuid[])', [ids]);
    expect(pending.rows.map((r) => r.status)).toEqual(['pending', 'pending', 'pending']);

    await f.startHost();
    const backups = await Promise.all(ids.map((id) => servedBackupOf(f.db.pool, id)));
    expect(new Set(backups).size).toBe(1); // one backup served all three
  });

  it('records the request in the caller transaction: a rollback leaves none, a commit wakes the host', async () => {
    const client = await connect(f.db);
    try {
      await client.query('BEGIN');
      const rolledBack = (await client.query('SELECT cotton_backup.request_checkpoint($1) AS id', ['rolled back'])).rows[0].id;
      await client.query('ROLLBACK');
      const none = await f.db.pool.query('SELECT 1 FROM cotton_backup.checkpoint_requests WHERE request_id = $1', [rolledBack]);
      expect(none.rowCount).toBe(0);

      await client.query('BEGIN');
      const id = (await client.query('SELECT cotton_backup.request_checkpoint($1) AS id', ['committed'])).rows[0].id;
      await client.query('COMMIT');
      const backupId = await servedBackupOf(f.db.pool, id);
      const view = await f.db.pool.query('SELECT status, backup_id, source, reason FROM cotton_backup.checkpoint_requests WHERE request_id = $1', [id]);
      expect(view.rows[0]).toEqual({ status: 'served', backup_id: backupId, source: 'sql', reason: 'committed' });
      const started = (await eventsOfType(f.db.pool, 'BackupStarted')).filter((e) => (e.data.requestIds as string[]).includes(rolledBack));
      expect(started).toHaveLength(0);
    } finally {
      await client.end();
    }
  });

  it('refuses a reason longer than 500 characters', async () => {
    const client = await connect(f.db);
    await expect(client.query('SELECT cotton_backup.request_checkpoint($1)', ['x'.repeat(501)])).rejects.toThrow(/at most 500/);
    await client.end();
  });

  it('100 concurrent requests while a backup runs give at most one follow-up backup', async () => {
    const startedBefore = (await eventsOfType(f.db.pool, 'BackupStarted')).length;
    // Hold pg_dump at its table locks, so the first backup is surely running while requests arrive.
    const blocker = await connect(f.db);
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE public.users IN ACCESS EXCLUSIVE MODE');
    const requesters = testPool(f.db.name, 25);
    try {
      const first = (await requesters.query('SELECT cotton_backup.request_checkpoint($1) AS id', ['first'])).rows[0].id as string;
      await waitUntil(async () => (await f.db.pool.query(`SELECT 1 FROM cotton_backup.backup_history WHERE status = 'running'`)).rowCount === 1, 'the first backup to run');
      const ids = await Promise.all(
        Array.from({ length: 100 }, async (_, i) => (await requesters.query('SELECT cotton_backup.request_checkpoint($1) AS id', [`burst ${i}`])).rows[0].id as string),
      );
      await blocker.query('COMMIT');
      const firstBackup = await servedBackupOf(f.db.pool, first);
      const followUps = new Set(await Promise.all(ids.map((id) => servedBackupOf(f.db.pool, id))));
      expect(followUps.size).toBe(1);
      expect(followUps.has(firstBackup)).toBe(false);
      const started = (await eventsOfType(f.db.pool, 'BackupStarted')).slice(startedBefore);
      expect(started).toHaveLength(2);
      expect(started[1]!.data.requestIds).toEqual(expect.arrayContaining(ids));
    } finally {
      await blocker.end().catch(() => undefined);
      await requesters.end();
    }
  });
});
