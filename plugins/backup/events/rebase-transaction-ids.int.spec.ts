import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../../src/db/migrations/runner';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { appendToStream, readAll, verifyChain } from './';
import { MIGRATIONS_PATH } from '../index';
import { rebaseRestoredTransactionIds } from './rebase-transaction-ids';
import { createEmptyTarget, hostConfig, MASTER_KEY, removeRoot, storageOf, tempRoot, writeCottonStyleBackup } from '../../../test/restore/fixtures';
import { deriveMasterEncryptionKey } from '../../../src/keys/keys';
import { createBackupServices } from '../runtime/services';
import { restoreBackup } from '../restore/restore-backup';

const requested = (n: number) => ({
  type: 'BackupRequested' as const,
  data: { requestId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, source: 'cli' as const, reason: `r${n}`, requestedBy: 't' },
});

/**
 * Stands in for "restored from another server": each event gets a transaction id far above this
 * server's current one (a billion ahead, distinct per source transaction, in source order), which
 * is what a dump from an older, busier server carries.
 */
const FAKE_FOREIGN_XIDS = `
  BEGIN;
  ALTER TABLE cotton_backup.events DISABLE TRIGGER events_refuse_update;
  UPDATE cotton_backup.events SET transaction_id = (pg_current_xact_id()::text::numeric + 1000000000 + transaction_id::text::numeric)::text::xid8;
  ALTER TABLE cotton_backup.events ENABLE ALWAYS TRIGGER events_refuse_update;
  COMMIT`;

describe('rebasing restored transaction ids', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('rsxid');
    await runMigrations(db.pool, [{ plugin: 'backup', path: MIGRATIONS_PATH }]);
    // Three source transactions: streams a (2 events), b (1), a again (1).
    await appendToStream(db.pool, 'a', [requested(1), requested(2)]);
    await appendToStream(db.pool, 'b', [requested(3)]);
    await appendToStream(db.pool, 'a', [requested(4)]);
  });
  afterAll(() => db.drop());

  it('leaves ids from this server alone', async () => {
    expect(await rebaseRestoredTransactionIds(db.pool)).toBe(0);
  });

  it('makes foreign ids readable again, in their original order, with the chain and the guard intact', async () => {
    const order = async () => (await db.pool.query('SELECT global_position::int AS p FROM cotton_backup.events ORDER BY transaction_id, global_position')).rows.map((r) => r.p);
    const sourceOrder = await order();
    await db.pool.query(FAKE_FOREIGN_XIDS);
    // What the global reader sees before the rebase: nothing.
    expect((await readAll(db.pool)).events).toHaveLength(0);

    expect(await rebaseRestoredTransactionIds(db.pool)).toBe(4);
    const page = await readAll(db.pool);
    expect(page.events.map((e) => e.data)).toEqual([1, 2, 3, 4].map((n) => requested(n).data));
    expect(await order()).toEqual(sourceOrder);
    const ids = await db.pool.query('SELECT DISTINCT transaction_id::text AS x FROM cotton_backup.events ORDER BY 1');
    expect(ids.rows.map((r) => r.x)).toEqual(['3', '4', '5']); // three source transactions, kept distinct
    expect((await verifyChain(db.pool)).ok).toBe(true);

    // New appends read after the restored history.
    await appendToStream(db.pool, 'c', [requested(5)]);
    // (Once every older transaction in the cluster has ended: other specs may be writing.)
    await expect.poll(async () => (await readAll(db.pool, { after: page.checkpoint })).events.map((e) => e.streamId), { timeout: 10_000 }).toEqual(['c']);
    // The update guard is back, as ALWAYS.
    await expect(db.pool.query('UPDATE cotton_backup.events SET type = type')).rejects.toThrow(/append-only/);
    const trigger = await db.pool.query("SELECT tgenabled FROM pg_trigger WHERE tgname = 'events_refuse_update'");
    expect(trigger.rows[0].tgenabled).toBe('A');
  });
});

describe('a restore of a dump whose events carry foreign transaction ids', () => {
  it('rebases them right after pg_restore, so the global reader sees the restored history', async () => {
    const source = await createTestDatabase('rsxids');
    const target = await createEmptyTarget('rsxidt', false);
    const root = await tempRoot('rsxid');
    try {
      await runMigrations(source.pool, [{ plugin: 'backup', path: MIGRATIONS_PATH }]);
      await appendToStream(source.pool, 'a', [requested(1)]);
      await appendToStream(source.pool, 'b', [requested(2)]);
      await source.pool.query(FAKE_FOREIGN_XIDS);
      const storage = storageOf(root);
      await writeCottonStyleBackup(source, storage);
      const config = hostConfig(target, root);
      const services = createBackupServices({ config, pool: target.pool, storage, masterEncryptionKey: deriveMasterEncryptionKey(MASTER_KEY), clock: { now: () => new Date() } });
      const report = await restoreBackup(services.restoreContext(), { trigger: 'cli' });
      expect(report.rebasedEvents).toBe(2);
      expect((await readAll(target.pool)).events.map((e) => e.streamId)).toEqual(['a', 'b']);
    } finally {
      await source.drop();
      await target.drop();
      await removeRoot(root);
    }
  });
});
