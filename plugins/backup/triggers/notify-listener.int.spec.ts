import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { connect, createHostFixture, eventsOfType, servedBackupOf, waitUntil, type HostFixture } from './test-support';

describe('NOTIFY cotton_backup on a running host', () => {
  let f: HostFixture;
  let client: pg.Client;
  const notify = (payload?: string) =>
    payload === undefined ? client.query('NOTIFY cotton_backup') : client.query('SELECT pg_notify($1, $2)', ['cotton_backup', payload]);
  const requests = async () => (await eventsOfType(f.db.pool, 'BackupRequested')).filter((e) => e.data.source === 'notify');

  beforeAll(async () => {
    f = await createHostFixture('trnotify');
    await f.startHost();
    client = await connect(f.db);
  });
  afterAll(async () => {
    await client.end();
    await f.cleanup();
  });

  it('an empty NOTIFY asks for a checkpoint that a backup serves', async () => {
    await notify();
    const [request] = await waitUntil(async () => (await requests()).length === 1 && requests(), 'a notify request');
    expect(request!.data).toMatchObject({ source: 'notify' });
    await servedBackupOf(f.db.pool, String(request!.data.requestId));
  });

  it('a JSON payload names reason and requester', async () => {
    await notify(JSON.stringify({ reason: 'nightly ETL done', requestedBy: 'etl' }));
    const found = await waitUntil(async () => (await requests()).find((e) => e.data.reason === 'nightly ETL done'), 'the JSON request');
    expect(found.data.requestedBy).toBe('etl');
    await servedBackupOf(f.db.pool, String(found.data.requestId));
  });

  it('rejects and audits invalid payloads, and keeps serving valid ones', async () => {
    const before = (await requests()).length;
    const invalid = [
      'not json',
      JSON.stringify({ reason: 42 }),
      JSON.stringify({ reason: 'x', extra: true }),
      JSON.stringify({ reason: 'r'.repeat(7900) }),
      JSON.stringify({ requestId: 'not-a-uuid' }),
      '[1,2]',
    ];
    for (const payload of invalid) await notify(payload);
    const rejected = await waitUntil(async () => {
      const rows = (await eventsOfType(f.db.pool, 'RequestRejected')).filter((e) => e.data.source === 'notify');
      return rows.length >= invalid.length && rows;
    }, 'rejections to be audited');
    const reasons = rejected.map((e) => String(e.data.reason));
    expect(reasons).toEqual(expect.arrayContaining([expect.stringMatching(/not JSON/), expect.stringMatching(/reason/), expect.stringMatching(/extra/), expect.stringMatching(/oversized/)]));
    expect(rejected.every((e) => String(e.data.sample).length <= 200)).toBe(true);
    expect((await requests()).length).toBe(before);

    await notify(JSON.stringify({ reason: 'after garbage' }));
    const ok = await waitUntil(async () => (await requests()).find((e) => e.data.reason === 'after garbage'), 'a valid request after garbage');
    await servedBackupOf(f.db.pool, String(ok.data.requestId));
  });

  it('loses no request across a listener reconnect: the coordinator catches up from the database', async () => {
    const listener = `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'cotton-backup-listen'`;
    const [{ pid }] = (await client.query(listener)).rows;
    await client.query('SELECT pg_terminate_backend($1)', [pid]);
    // Recorded while the listener is down: its wake-up NOTIFY reaches no one.
    const id = (await client.query('SELECT cotton_backup.request_checkpoint($1) AS id', ['during reconnect'])).rows[0].id;
    await waitUntil(async () => (await client.query(listener)).rows.some((r) => r.pid !== pid), 'the listener to reconnect');
    await servedBackupOf(f.db.pool, id);
    await notify(JSON.stringify({ reason: 'after reconnect' }));
    const ok = await waitUntil(async () => (await requests()).find((e) => e.data.reason === 'after reconnect'), 'a NOTIFY after the reconnect');
    await servedBackupOf(f.db.pool, String(ok.data.requestId));
  });

  it('rate-limits the audit: a flood is summarised, not recorded one by one', async () => {
    const before = (await eventsOfType(f.db.pool, 'RequestRejected')).length;
    for (let i = 0; i < 60; i++) await notify(`garbage ${i}`);
    // The window is a minute; the summary comes when it ends, or at stop (flush).
    await waitUntil(async () => (await eventsOfType(f.db.pool, 'RequestRejected')).length >= before + 1, 'some audits');
    await new Promise((r) => setTimeout(r, 500));
    const after = (await eventsOfType(f.db.pool, 'RequestRejected')).length;
    expect(after - before).toBeLessThanOrEqual(20);
  });
});
