import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { formatEventsVerify, runEventsVerify, verifyEventsCommand } from '../edges/cli/events-verify';
import { appendToStream } from './append-to-stream';
import { readStream } from './read-stream';
import { applyEventStoreMigration, applySealMigration, exampleEvents } from '../../../test/support/event-store';
import { verifyChain } from './verify-chain';

let db: TestDatabase;
// No seals here (the per-stream chain alone): verify-seals.int.spec.ts covers them.
const seals = { sealKey: randomBytes(32), anchor: async () => undefined };

beforeAll(async () => {
  db = await createTestDatabase('ct_chain');
});
afterAll(async () => {
  await db?.drop();
});

const restored = (durationMs: number) => ({ type: 'Restored', data: { ...exampleEvents.Restored, durationMs } }) as const;

/** Runs statements as the superuser with the table's user triggers disabled, as an attacker could. */
async function tamper(...statements: string[]): Promise<void> {
  const client = await db.pool.connect();
  try {
    await client.query('begin');
    await client.query('alter table cotton_backup.events disable trigger user');
    for (const s of statements) await client.query(s);
    await client.query('alter table cotton_backup.events enable trigger user');
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    throw error;
  } finally {
    client.release();
  }
}

describe('verifyChain and `events verify`', () => {
  it('reports a missing event store', async () => {
    const report = await runEventsVerify(db.pool, seals);
    expect(report).toMatchObject({ status: 'missing', exitCode: 2 });
    expect(formatEventsVerify(report, false)).toMatch(/no event store.*cotton-backup serve/s);
  });

  it('passes an untouched log, with timestamps hashed the same whatever the session time zone', async () => {
    await applyEventStoreMigration(db.pool);
    await applySealMigration(db.pool);
    expect(await verifyChain(db.pool)).toEqual({ ok: true, checked: 0, streams: 0, problems: [] });
    await appendToStream(db.pool, 's1', [restored(1), restored(2), restored(3)]);
    await appendToStream(db.pool, 's2', [restored(4)]);
    await db.pool.query(`select cotton_backup.append_event('s2', 1, 'Restored', $1::jsonb, '{"via": "sql", "ü": "ß|"}')`, [
      JSON.stringify({ ...exampleEvents.Restored, durationMs: 5.25 }),
    ]);
    const client = await db.pool.connect();
    try {
      await client.query(`set time zone 'Asia/Kathmandu'`);
      await appendToStream(client, 's3', [restored(6)]);
      expect(await verifyChain(client, { pageSize: 2 })).toMatchObject({ ok: true, checked: 6, streams: 3 });
    } finally {
      await client.query('reset time zone');
      client.release();
    }
    const { output, exitCode, report } = await verifyEventsCommand(db.pool, seals);
    expect(exitCode).toBe(0);
    expect(report.status).toBe('ok');
    expect(output).toBe(
      'events verify: OK — 6 event(s) in 3 stream(s), every hash chain intact; 0 seal(s) intact, 6 event(s) not sealed yet ' +
        '(appended in SQL; sealed at the next append); the newest backup records no chain head (no backup yet, or one written by Cotton or an older plugin): cuts are not checked.',
    );
  });

  it('catches a hand-edited event (triggers disabled by a superuser), naming its global position', async () => {
    const [, second] = await readStream(db.pool, 's1');
    await tamper(`update cotton_backup.events set data = jsonb_set(data, '{durationMs}', '999') where global_position = ${second!.globalPosition}`);
    const result = await verifyChain(db.pool, { pageSize: 2 });
    expect(result.ok).toBe(false);
    expect(result.checked).toBe(6);
    expect(result.firstBroken).toMatchObject({ globalPosition: second!.globalPosition, streamId: 's1', streamVersion: 2n, reason: 'hash_mismatch' });
    expect(result.problems).toHaveLength(1);

    const { output, exitCode, report } = await verifyEventsCommand(db.pool, seals);
    expect(exitCode).toBe(1);
    expect(report.firstBroken?.globalPosition).toBe(second!.globalPosition.toString());
    expect(output).toContain(`First broken event: global position ${second!.globalPosition} (stream "s1" version 2): hash_mismatch.`);
    const json = JSON.parse(formatEventsVerify(report, true)) as typeof report;
    expect(json).toMatchObject({ status: 'broken', exitCode: 1, firstBroken: { globalPosition: second!.globalPosition.toString(), reason: 'hash_mismatch' } });
  });

  it('catches a rewritten hash through the next link, and a deleted event as a version gap', async () => {
    const s2 = await readStream(db.pool, 's2');
    // Whoever edits event 1 of s2 and recomputes its hash still breaks event 2's previous_hash link.
    await tamper(
      `update cotton_backup.events
          set data = jsonb_set(data, '{durationMs}', '0'),
              hash = cotton_backup.event_hash(previous_hash, stream_id, stream_version, type, jsonb_set(data, '{durationMs}', '0'), metadata, occurred_at)
        where global_position = ${s2[0]!.globalPosition}`,
    );
    const s3 = await readStream(db.pool, 's3');
    await appendToStream(db.pool, 's3', [restored(7), restored(8)]);
    const s3After = await readStream(db.pool, 's3');
    await tamper(`delete from cotton_backup.events where global_position = ${s3After[1]!.globalPosition}`);
    expect(s3).toHaveLength(1);

    const result = await verifyChain(db.pool);
    expect(result.problems.map((p) => [p.streamId, p.streamVersion, p.reason])).toEqual([
      ['s1', 2n, 'hash_mismatch'],
      ['s2', 2n, 'previous_hash_mismatch'],
      ['s3', 3n, 'version_gap'],
    ]);
    expect(result.problems[1]!.globalPosition).toBe(s2[1]!.globalPosition);
  });

  // The hash covers every column an event has, not only its data: each edit below is found alone.
  it.each([
    ['type', `type = 'ExtensionsEnsured'`],
    ['metadata', `metadata = metadata || '{"via": "forged"}'`],
    ['occurred_at', `occurred_at = occurred_at - interval '1 day'`],
  ])('catches an edit of %s alone, naming the event', async (column, change) => {
    const stream = `t-${column}`;
    await appendToStream(db.pool, stream, [restored(10), restored(11)]);
    const [first] = await readStream(db.pool, stream);
    const before = (await verifyChain(db.pool)).problems.length;
    await tamper(`update cotton_backup.events set ${change} where global_position = ${first!.globalPosition}`);
    const result = await verifyChain(db.pool);
    expect(result.ok).toBe(false);
    expect(result.problems).toHaveLength(before + 1);
    expect(result.problems.find((p) => p.streamId === stream)).toMatchObject({ globalPosition: first!.globalPosition, streamVersion: 1n, reason: 'hash_mismatch' });
  });
});
