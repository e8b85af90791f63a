import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { appendToStream } from './append-to-stream';
import { ConcurrencyError } from './errors';
import { readStream } from './read-stream';
import { applyEventStoreMigration, exampleEvents } from '../../../test/support/event-store';
import { InvalidEventError } from './vocabulary';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('ct_events');
  await applyEventStoreMigration(db.pool);
});
afterAll(async () => {
  await db?.drop();
});

const requested = { type: 'BackupRequested', data: exampleEvents.BackupRequested } as const;
const started = { type: 'BackupStarted', data: exampleEvents.BackupStarted } as const;
const dumped = { type: 'Dumped', data: exampleEvents.Dumped } as const;

describe('appendToStream + readStream', () => {
  it('appends and reads back validated events with versions, positions, metadata and a hash chain', async () => {
    const first = await appendToStream(db.pool, 'backup-1', [requested, { ...started, metadata: { host: 'h1' } }], {
      expectedVersion: 'no_stream',
    });
    expect(first.nextExpectedVersion).toBe(2n);
    const second = await appendToStream(db.pool, 'backup-1', [dumped], { expectedVersion: first.nextExpectedVersion });
    expect(second.nextExpectedVersion).toBe(3n);
    expect(second.lastGlobalPosition).toBeGreaterThan(first.lastGlobalPosition);

    const events = await readStream(db.pool, 'backup-1');
    expect(events.map((e) => [e.type, e.streamVersion])).toEqual([
      ['BackupRequested', 1n],
      ['BackupStarted', 2n],
      ['Dumped', 3n],
    ]);
    expect(events[0]!.data).toEqual(exampleEvents.BackupRequested);
    expect(events[1]!.metadata).toEqual({ host: 'h1' });
    expect(events[0]!.metadata).toEqual({});
    expect(events[2]!.globalPosition).toBe(second.lastGlobalPosition);
    expect(events[0]!.occurredAt).toBeInstanceOf(Date);
    expect(events[0]!.transactionId).toMatch(/^\d+$/);
    expect(events[0]!.previousHash).toBeNull();
    expect(events[1]!.previousHash).toBe(events[0]!.hash);
    expect(events[2]!.previousHash).toBe(events[1]!.hash);
    // Narrowing on type gives the typed data.
    const dumpedEvent = events.find((e) => e.type === 'Dumped');
    if (dumpedEvent?.type !== 'Dumped') throw new Error('no Dumped event');
    expect(dumpedEvent.data.sha256).toBe(exampleEvents.Dumped.sha256);

    expect(await readStream(db.pool, 'backup-1', { afterVersion: 1, limit: 1 })).toMatchObject([{ type: 'BackupStarted' }]);
    expect(await readStream(db.pool, 'nope')).toEqual([]);
  });

  it('refuses invalid data before writing, naming the type and field', async () => {
    const bad = { type: 'Dumped', data: { ...exampleEvents.Dumped, sha256: 'XYZ' } } as const;
    await expect(appendToStream(db.pool, 'backup-bad', [requested, bad])).rejects.toThrow(InvalidEventError);
    await expect(appendToStream(db.pool, 'backup-bad', [requested, bad])).rejects.toThrow(
      /invalid Dumped event \(event 2 of 2 for stream "backup-bad"\): data\.sha256: must be 64 lowercase hex/,
    );
    await expect(appendToStream(db.pool, 'backup-bad', [{ type: 'Nope', data: {} } as never])).rejects.toThrow(/unknown event type/);
    expect(await readStream(db.pool, 'backup-bad')).toEqual([]);
  });

  it('refuses bad stream ids, empty appends and negative versions', async () => {
    await expect(appendToStream(db.pool, '', [requested])).rejects.toThrow(RangeError);
    await expect(appendToStream(db.pool, 'a|b', [requested])).rejects.toThrow(/without '\|'/);
    await expect(appendToStream(db.pool, 's', [])).rejects.toThrow(/no events/);
    await expect(appendToStream(db.pool, 's', [requested], { expectedVersion: -1 })).rejects.toThrow(/>= 0/);
  });

  it('validates on read: a row written behind the vocabulary\'s back is skipped, the rest still read', async () => {
    await db.pool.query(`select cotton_backup.append_event('sql-written', 0, 'Restored', '{"backupId": "nope"}')`);
    await appendToStream(db.pool, 'sql-written', [{ type: 'Restored', data: exampleEvents.Restored }]);
    // Recording it (StoredEventRejected) needs migration 010, absent here: stored-event-rejected.int.spec.ts covers that.
    expect((await readStream(db.pool, 'sql-written')).map((e) => e.streamVersion)).toEqual([2n]);
  });

  it('checks the expected version: no_stream, exact, any', async () => {
    await appendToStream(db.pool, 'ev', [requested], { expectedVersion: 'no_stream' });
    const noStream = await appendToStream(db.pool, 'ev', [requested], { expectedVersion: 'no_stream' }).catch((e: unknown) => e);
    expect(noStream).toBeInstanceOf(ConcurrencyError);
    expect(noStream).toMatchObject({ streamId: 'ev', expectedVersion: 0n, actualVersion: 1n });
    expect((noStream as Error).message).toMatch(/stream "ev" is at version 1, expected version 0 \(no stream\)/);

    const stale = await appendToStream(db.pool, 'ev', [requested], { expectedVersion: 5 }).catch((e: unknown) => e);
    expect(stale).toMatchObject({ name: 'ConcurrencyError', expectedVersion: 5n, actualVersion: 1n });

    expect((await appendToStream(db.pool, 'ev', [requested], { expectedVersion: 1n })).nextExpectedVersion).toBe(2n);
    expect((await appendToStream(db.pool, 'ev', [requested])).nextExpectedVersion).toBe(3n);
    expect((await appendToStream(db.pool, 'ev', [requested], { expectedVersion: 'any' })).nextExpectedVersion).toBe(4n);
    await appendToStream(db.pool, 'ev-new', [requested], { expectedVersion: 0 });
  });

  it('appends all or none: a conflict leaves nothing behind, an append joins the caller\'s transaction', async () => {
    const client = await db.pool.connect();
    try {
      await client.query('begin');
      await appendToStream(client, 'tx-stream', [requested, started]);
      expect(await readStream(client, 'tx-stream')).toHaveLength(2);
      expect(await readStream(db.pool, 'tx-stream')).toHaveLength(0);
      await client.query('rollback');
    } finally {
      client.release();
    }
    expect(await readStream(db.pool, 'tx-stream')).toHaveLength(0);
  });
});

describe('immutability', () => {
  it.each([
    ['UPDATE', `update cotton_backup.events set data = '{}'`],
    ['DELETE', `delete from cotton_backup.events`],
    ['TRUNCATE', `truncate cotton_backup.events`],
  ])('the database refuses %s', async (op, statement) => {
    await appendToStream(db.pool, 'immutable', [requested]);
    await expect(db.pool.query(statement)).rejects.toMatchObject({
      code: 'KB001',
      message: `cotton_backup.events is append-only: ${op} refused`,
    });
  });

  it('still refuses with session_replication_role = replica (the triggers are ENABLE ALWAYS)', async () => {
    const client = await db.pool.connect();
    try {
      await client.query('set session_replication_role = replica');
      await expect(client.query(`delete from cotton_backup.events`)).rejects.toMatchObject({ code: 'KB001' });
    } finally {
      await client.query('reset session_replication_role');
      client.release();
    }
  });

  it('refuses a version inserted without its predecessor, and a forged position', async () => {
    await expect(
      db.pool.query(`insert into cotton_backup.events (stream_id, stream_version, type, data) values ('gap', 2, 'Restored', '{}')`),
    ).rejects.toMatchObject({ code: 'KB002' });
    await expect(
      db.pool.query(`insert into cotton_backup.events (global_position, stream_id, stream_version, type, data) values (1, 'x', 1, 'Restored', '{}')`),
    ).rejects.toThrow(/generated always|GENERATED ALWAYS|non-DEFAULT/i);
  });
});

describe('optimistic concurrency', () => {
  it('two appenders with the same expected version: exactly one wins, the other gets ConcurrencyError', async () => {
    await appendToStream(db.pool, 'race', [requested], { expectedVersion: 'no_stream' });
    const a = await db.pool.connect();
    const b = await db.pool.connect();
    try {
      await a.query('begin');
      await b.query('begin');
      await appendToStream(a, 'race', [started], { expectedVersion: 1 });
      // b waits for a (per-stream lock) ...
      const bAppend = appendToStream(b, 'race', [started], { expectedVersion: 1 }).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 200));
      await a.query('commit');
      // ... then sees a's event and is refused.
      const bError = await bAppend;
      expect(bError).toBeInstanceOf(ConcurrencyError);
      expect(bError).toMatchObject({ streamId: 'race', expectedVersion: 1n, actualVersion: 2n });
      await b.query('rollback');
    } finally {
      a.release();
      b.release();
    }
    expect((await readStream(db.pool, 'race')).map((e) => e.streamVersion)).toEqual([1n, 2n]);
  });

  it('many concurrent appenders on a Pool: one wins per version', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => appendToStream(db.pool, 'race-pool', [requested], { expectedVersion: 'no_stream' })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyError);
    expect(await readStream(db.pool, 'race-pool')).toHaveLength(1);
  });

  it('a REPEATABLE READ appender that read a stale version gets ConcurrencyError from the unique index', async () => {
    await appendToStream(db.pool, 'race-rr', [requested]);
    const a = await db.pool.connect();
    try {
      await a.query('begin isolation level repeatable read');
      await a.query('select 1'); // takes the snapshot: the stream is at version 1
      await appendToStream(db.pool, 'race-rr', [started], { expectedVersion: 1 });
      const error = await appendToStream(a, 'race-rr', [started], { expectedVersion: 1 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConcurrencyError);
      expect(error).toMatchObject({ streamId: 'race-rr', expectedVersion: 1n, actualVersion: undefined });
      await a.query('rollback');
    } finally {
      a.release();
    }
  });
});
