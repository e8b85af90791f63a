import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { appendToStream } from './append-to-stream';
import { readAll, type ReadAllPage } from './read-all';
import { applyEventStoreMigration, exampleEvents } from '../../../test/support/event-store';
import type { ReadAllCheckpoint, RecordedEvent } from './types';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('ct_readall');
  await applyEventStoreMigration(db.pool);
});
afterAll(async () => {
  await db?.drop();
});

const restored = (durationMs: number) => ({ type: 'Restored', data: { ...exampleEvents.Restored, durationMs } }) as const;

/**
 * Reads on until `count` events arrived. The snapshot xmin is cluster-wide, so another test's open
 * transaction (any database on this server) may hold events back for a while: wait, never skip.
 */
async function readUntil(after: ReadAllCheckpoint | null, count: number, limit = 2): Promise<{ events: RecordedEvent[]; checkpoint: ReadAllCheckpoint | null }> {
  const events: RecordedEvent[] = [];
  let checkpoint = after;
  const deadline = Date.now() + 60_000;
  while (events.length < count) {
    const page: ReadAllPage = await readAll(db.pool, { after: checkpoint, limit });
    events.push(...page.events);
    checkpoint = page.checkpoint;
    if (page.events.length === 0) {
      if (Date.now() > deadline) throw new Error(`readAll: only ${events.length} of ${count} events after 60 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { events, checkpoint };
}

describe('readAll', () => {
  it('pages through the log in (transaction, position) order with a JSON-safe checkpoint', async () => {
    await appendToStream(db.pool, 'p1', [restored(1), restored(2), restored(3)]);
    await appendToStream(db.pool, 'p2', [restored(4)]);
    const { events, checkpoint } = await readUntil(null, 4, 3);
    expect(events.map((e) => e.type === 'Restored' && e.data.durationMs)).toEqual([1, 2, 3, 4]);
    expect(JSON.parse(JSON.stringify(checkpoint))).toEqual(checkpoint);
    expect(checkpoint).toEqual({ transactionId: events[3]!.transactionId, globalPosition: events[3]!.globalPosition.toString() });
    const nothing = await readAll(db.pool, { after: checkpoint });
    expect(nothing).toEqual({ events: [], checkpoint });
    // A bare position resolves to its checkpoint.
    const fromPosition = await readAll(db.pool, { after: events[1]!.globalPosition });
    expect(fromPosition.events.map((e) => e.globalPosition)).toEqual([events[2]!.globalPosition, events[3]!.globalPosition]);
    await expect(readAll(db.pool, { after: 999_999n })).rejects.toThrow(/no event at global position 999999/);
    // Type filter.
    await appendToStream(db.pool, 'p3', [{ type: 'ExtensionsEnsured', data: { extensions: ['citext'] } }]);
    const onlyExtensions = await readUntilType(checkpoint);
    expect(onlyExtensions.map((e) => e.type)).toEqual(['ExtensionsEnsured']);
  });

  it('never skips a transaction that commits late, and never returns an event twice', async () => {
    // Everything so far is read; remember where we are.
    let checkpoint: ReadAllCheckpoint | null = null;
    for (;;) {
      const page = await readAll(db.pool, { after: checkpoint });
      if (page.events.length === 0) break;
      checkpoint = page.checkpoint;
    }

    const a = await db.pool.connect();
    try {
      // Transaction A takes a lower global position, and a lower transaction id, but commits last.
      await a.query('begin');
      const fromA = await appendToStream(a, 'late-a', [restored(100)]);
      const fromB = await appendToStream(db.pool, 'late-b', [restored(200)]); // B commits at once
      expect(fromB.lastGlobalPosition).toBeGreaterThan(fromA.lastGlobalPosition);

      // While A is open, B's event is held back (a position-only reader would return it, then skip A's).
      for (let i = 0; i < 3; i += 1) {
        const page = await readAll(db.pool, { after: checkpoint });
        expect(page.events.map((e) => e.streamId)).not.toContain('late-b');
        expect(page.events.map((e) => e.streamId)).not.toContain('late-a');
        checkpoint = page.checkpoint;
        await new Promise((r) => setTimeout(r, 50));
      }

      await a.query('commit');
    } finally {
      a.release();
    }

    // (Earlier events held back by other tests' transactions on this server may come first: filter them out.)
    const events: RecordedEvent[] = [];
    const deadline = Date.now() + 60_000;
    while (events.filter((e) => e.streamId.startsWith('late-')).length < 2) {
      const page = await readAll(db.pool, { after: checkpoint, limit: 1 });
      events.push(...page.events);
      checkpoint = page.checkpoint;
      if (page.events.length === 0) {
        if (Date.now() > deadline) throw new Error('the late events never arrived');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(events.filter((e) => e.streamId.startsWith('late-')).map((e) => e.streamId)).toEqual(['late-a', 'late-b']);
    expect(new Set(events.map((e) => e.globalPosition)).size).toBe(events.length);
    // Continuing returns nothing new: no duplicates.
    expect((await readAll(db.pool, { after: checkpoint })).events).toEqual([]);
  });

  it('refuses a bad limit or a malformed checkpoint', async () => {
    await expect(readAll(db.pool, { limit: 0 })).rejects.toThrow(/limit/);
    await expect(readAll(db.pool, { after: { transactionId: 'x', globalPosition: '1' } })).rejects.toThrow(/malformed checkpoint/);
  });
});

async function readUntilType(after: ReadAllCheckpoint | null): Promise<RecordedEvent[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const page = await readAll(db.pool, { after, types: ['ExtensionsEnsured'] });
    if (page.events.length > 0) return page.events;
    if (Date.now() > deadline) throw new Error('no ExtensionsEnsured event after 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}
