import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { applyEventStoreMigration, applySealMigration, exampleEvents } from '../../../test/support/event-store';
import { withTransaction } from '../../../src/db/with-transaction';
import { appendToStream } from './append-to-stream';
import { readSealHead, sealPendingEvents } from './seal-events';
import { verifySeals, type SealAnchor } from './verify-seals';
import * as sql from './sql';
import type { NewEvent } from './types';

let db: TestDatabase;
const key = randomBytes(32);
// Not Restored: a sealed Restored event newer than a backup excuses the log from that backup's head.
const restored = (n: number): NewEvent => ({ type: 'ExtensionsEnsured', data: { extensions: [`ext${n}`] } });

/** What the journal does: append, then seal, in one transaction. */
const append = (stream: string, events: NewEvent[]) =>
  withTransaction(db.pool, async (client) => {
    await appendToStream(client, stream, events);
    await sealPendingEvents(client, key);
  });

async function tamper(...statements: string[]): Promise<void> {
  await withTransaction(db.pool, async (client) => {
    await client.query('alter table cotton_backup.events disable trigger user');
    await client.query('alter table cotton_backup.event_seals disable trigger user');
    for (const s of statements) await client.query(s);
    await client.query('alter table cotton_backup.events enable always trigger events_refuse_update');
    await client.query('alter table cotton_backup.events enable always trigger events_refuse_delete');
    await client.query('alter table cotton_backup.events enable always trigger events_refuse_truncate');
    await client.query('alter table cotton_backup.events enable trigger events_before_insert');
    for (const op of ['update', 'delete', 'truncate']) await client.query(`alter table cotton_backup.event_seals enable always trigger event_seals_refuse_${op}`);
  });
}

const reasons = async (anchor?: SealAnchor, k = key) => (await verifySeals(db.pool, k, anchor)).problems.map((p) => p.reason);

beforeAll(async () => {
  db = await createTestDatabase('ct_seals');
  await applyEventStoreMigration(db.pool);
  await applySealMigration(db.pool);
});
afterAll(async () => {
  await db?.drop();
});

describe('the seal chain', () => {
  it('seals appends in their transaction, SQL-side appends at the next append, and concurrent appends one after another', async () => {
    await append('a', [restored(1), restored(2)]);
    await db.pool.query(`select cotton_backup.append_event('sql', null, 'Restored', $1::jsonb)`, [JSON.stringify(exampleEvents.Restored)]);
    expect(await verifySeals(db.pool, key, undefined)).toMatchObject({ sealed: 2, unsealed: 1, problems: [] });
    await Promise.all(Array.from({ length: 12 }, (_, i) => append(`c${i % 3}`, [restored(i)])));
    const result = await verifySeals(db.pool, key, undefined);
    expect(result).toMatchObject({ sealed: 15, unsealed: 0, problems: [] });
    const { rows } = await db.pool.query(`select own_append from cotton_backup.event_seals where stream_id = 'sql'`);
    expect(rows).toEqual([{ own_append: false }]);
    expect(await readSealHead(db.pool)).toMatchObject({ position: '15' });
  });

  it('seals an event whose transaction was still open at the last sealing, and falls back to the whole log after a foreign snapshot', async () => {
    const open = await db.pool.connect();
    try {
      await open.query('begin');
      await open.query(`select cotton_backup.append_event('late', null, 'ExtensionsEnsured', '{"extensions": ["late"]}')`);
      await append('a', [restored(20)]);
      await open.query('commit');
    } finally {
      open.release();
    }
    expect((await verifySeals(db.pool, key, undefined)).unsealed).toBe(1);
    await append('a', [restored(21)]);
    expect(await verifySeals(db.pool, key, undefined)).toMatchObject({ unsealed: 0, problems: [] });
    // A dump restored on a server whose xids are behind: the stored snapshot is ignored.
    await db.pool.query(`select cotton_backup.append_event('late', null, 'ExtensionsEnsured', '{"extensions": ["late2"]}')`);
    await tamper(`update cotton_backup.event_seals set sealed_after = '9000000000:9000000000:'::pg_snapshot where position = (select max(position) from cotton_backup.event_seals)`);
    await append('a', [restored(22)]);
    expect(await verifySeals(db.pool, key, undefined)).toMatchObject({ unsealed: 0, problems: [] });
  });

  it('is worthless without the key: another key matches no seal', async () => {
    const problems = await reasons(undefined, randomBytes(32));
    expect(problems.filter((r) => r === 'seal_mismatch')).toHaveLength(20);
    expect(problems.filter((r) => r === 'sealed_event_changed')).toHaveLength(20);
  });

  it('leaves transaction ids out, so a restore that rebases them (rebase-transaction-ids.ts) raises no alarm', async () => {
    await withTransaction(db.pool, async (client) => {
      await client.query(sql.DISABLE_EVENTS_UPDATE_GUARD);
      await client.query(sql.REBASE_TRANSACTION_IDS);
      await client.query(sql.ENABLE_EVENTS_UPDATE_GUARD);
    });
    const { rows } = await db.pool.query(`select max(transaction_id::text::bigint) as top from cotton_backup.events`);
    expect(Number(rows[0].top)).toBeLessThan(30);
    expect(await reasons()).toEqual([]);
  });

  it('finds a seal deleted (seal_gap) and a seal edited (seal_mismatch)', async () => {
    await tamper(
      `delete from cotton_backup.event_seals where position = 4`,
      `update cotton_backup.event_seals set stream_version = 9 where position = 6`,
    );
    expect(await reasons()).toEqual(['seal_gap', 'seal_mismatch']);
  });

  it("holds the log to the newest backup's chain head, unless the application recorded a restore after that backup", async () => {
    const db2 = await createTestDatabase('ct_seals_anchor');
    try {
      await applyEventStoreMigration(db2.pool);
      await applySealMigration(db2.pool);
      const append2 = (events: NewEvent[]) =>
        withTransaction(db2.pool, async (client) => {
          await appendToStream(client, 'b', events);
          await sealPendingEvents(client, key);
        });
      await append2([restored(1), restored(2)]);
      const head = (await readSealHead(db2.pool))!;
      const anchor = { backupId: 'b'.repeat(32), createdAtUtc: new Date(Date.now() - 60_000).toISOString(), ...head };
      expect((await verifySeals(db2.pool, key, anchor)).problems).toEqual([]);
      const beyond = { ...anchor, position: '3' };
      const behind = await verifySeals(db2.pool, key, beyond);
      expect(behind.problems).toMatchObject([{ reason: 'behind_backup', detail: expect.stringMatching(/recorded seal 3, but this log's chain ends at seal 2/) }]);
      // A Restored event an owner inserted in SQL gets sealed, but not as the application's own: no excuse.
      await db2.pool.query(`select cotton_backup.append_event('r', null, 'Restored', $1::jsonb)`, [JSON.stringify(exampleEvents.Restored)]);
      await append2([restored(3)]);
      expect((await verifySeals(db2.pool, key, { ...anchor, position: '9' })).problems.map((p) => p.reason)).toEqual(['behind_backup']);
      await append2([{ type: 'Restored', data: exampleEvents.Restored }]);
      const excused = await verifySeals(db2.pool, key, { ...anchor, position: '9' });
      expect(excused.problems).toEqual([]);
      expect(excused.anchor).toMatch(/restored from backup .* after backup b{32}/);
    } finally {
      await db2.drop();
    }
  });
});
