import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { connect, createHostFixture, eventsOfType, servedBackupOf, waitUntil, type HostFixture } from '../../../../test/support/host-fixture';

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

  it('a JSON payload names the reason; who asked is the sender’s role, the claimed requester is kept apart', async () => {
    await notify(JSON.stringify({ reason: 'nightly ETL done', requestedBy: 'admin' }));
    const found = await waitUntil(async () => (await requests()).find((e) => e.data.reason === 'nightly ETL done'), 'the JSON request');
    const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    expect(found.data).toMatchObject({ requestedBy: f.db.env.COTTON_PG_USERNAME, claimedRequestedBy: 'admin', sender: { pid, role: f.db.env.COTTON_PG_USERNAME } });
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
      // PostgreSQL cannot store these: refused and audited before the database sees them.
      '{"reason": "nul \\u0000 inside"}',
      '{"requestedBy": "lone \\ud800"}',
    ];
    for (const payload of invalid) await notify(payload);
    const rejected = await waitUntil(async () => {
      const rows = (await eventsOfType(f.db.pool, 'RequestRejected')).filter((e) => e.data.source === 'notify');
      return rows.length >= invalid.length && rows;
    }, 'rejections to be audited');
    const reasons = rejected.map((e) => String(e.data.reason));
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/not JSON/),
        expect.stringMatching(/reason/),
        expect.stringMatching(/extra/),
        expect.stringMatching(/oversized/),
        expect.stringMatching(/^reason: must not contain a NUL/),
        expect.stringMatching(/^requestedBy: must not contain a lone UTF-16 surrogate/),
      ]),
    );
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
});

describe('NOTIFY limits: rate, roles, off', () => {
  let f: HostFixture;
  const extraRole = `cb_notify_${randomBytes(4).toString('hex')}`;
  const rejections = async () => (await eventsOfType(f.db.pool, 'RequestRejected')).filter((e) => e.data.source === 'notify');
  const notifyRequests = async () => (await eventsOfType(f.db.pool, 'BackupRequested')).filter((e) => e.data.source === 'notify');
  const send = (c: pg.Client, payload: string) => c.query('SELECT pg_notify($1, $2)', ['cotton_backup', payload]);
  /** Notifications of one session arrive in order: once this one is recorded, every earlier one was handled. */
  const marker = async (c: pg.Client, reason: string) => {
    await send(c, JSON.stringify({ reason }));
    return waitUntil(async () => (await notifyRequests()).find((e) => e.data.reason === reason), `the request "${reason}"`);
  };

  const connectAs = async (user: string) => {
    const c = new pg.Client({ host: f.db.env.COTTON_PG_HOST, port: Number(f.db.env.COTTON_PG_PORT), user, database: f.db.name });
    await c.connect();
    return c;
  };

  beforeAll(async () => {
    f = await createHostFixture('trnotlim');
    await f.db.pool.query(`CREATE ROLE ${extraRole} LOGIN`);
  });
  afterAll(async () => {
    await f.db.pool.query(`DROP ROLE IF EXISTS ${extraRole}`); // roles are cluster-wide: leave none behind
    await f.cleanup();
  });

  it('audits a flood of garbage one by one up to the limit, then in one summary event', async () => {
    const host = await f.startHost();
    const c = await connect(f.db);
    const before = (await rejections()).length;
    try {
      for (let i = 0; i < 60; i++) await send(c, `garbage ${i}`);
      await marker(c, 'after the garbage flood');
    } finally {
      await c.end();
    }
    await host.stop(); // writes the pending summary
    const rows = (await rejections()).slice(before);
    const summaries = rows.filter((e) => /^\d+ more rejected/.test(String(e.data.reason)));
    expect(rows.length - summaries.length).toBe(20);
    expect(summaries.map((e) => e.data.reason)).toEqual([expect.stringMatching(/^40 more rejected notify request\(s\) in this window/)]);
  });

  it('records at most 10 valid requests per role and minute; the rest are refused and audited', async () => {
    const host = await f.startHost();
    const c = await connect(f.db);
    const before = { requests: (await notifyRequests()).length, rejections: (await rejections()).length };
    const other = await connectAs(extraRole);
    try {
      for (let i = 0; i < 40; i++) await send(c, JSON.stringify({ reason: `valid ${i}` }));
      // Another role is not limited; its request, sent last, is handled after all forty.
      await marker(other, 'from another role');
    } finally {
      await c.end();
      await other.end();
    }
    await host.stop();
    const recorded = (await notifyRequests()).slice(before.requests).filter((e) => e.data.requestedBy !== extraRole);
    // The first ten that arrived (written concurrently, so in any order).
    expect(recorded.map((e) => String(e.data.reason)).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `valid ${i}`).sort());
    const refused = (await rejections()).slice(before.rejections);
    expect(refused.filter((e) => /^rate limit: role/.test(String(e.data.reason)))).toHaveLength(20);
    expect(refused.filter((e) => /^10 more rejected notify/.test(String(e.data.reason)))).toHaveLength(1);
  });

  it('COTTON_BACKUP_NOTIFY_PER_MINUTE: the host records that many per role and minute', async () => {
    const host = await f.startHost({ COTTON_BACKUP_NOTIFY_PER_MINUTE: '3' });
    const c = await connect(f.db);
    const before = (await notifyRequests()).length;
    const other = await connectAs(extraRole);
    try {
      for (let i = 0; i < 6; i++) await send(c, JSON.stringify({ reason: `per-minute ${i}` }));
      await marker(other, 'per-minute marker');
    } finally {
      await c.end();
      await other.end();
    }
    await host.stop();
    const recorded = (await notifyRequests()).slice(before).filter((e) => /^per-minute \d$/.test(String(e.data.reason)));
    expect(recorded).toHaveLength(3);
  });

  it('COTTON_BACKUP_NOTIFY_ROLES: only the listed roles may ask', async () => {
    const host = await f.startHost({ COTTON_BACKUP_NOTIFY_ROLES: extraRole });
    const before = (await rejections()).length;
    const postgres = await connect(f.db);
    const allowed = await connectAs(extraRole);
    try {
      await send(postgres, JSON.stringify({ reason: 'from a role not listed', requestedBy: extraRole }));
      const ok = await marker(allowed, 'from the listed role');
      expect(ok.data).toMatchObject({ requestedBy: extraRole, sender: { role: extraRole } });
      const refused = await waitUntil(async () => (await rejections()).slice(before).find((e) => /may not request/.test(String(e.data.reason))), 'the refusal');
      expect(refused.data.reason).toMatch(`role "${f.db.env.COTTON_PG_USERNAME}"`);
      expect((await notifyRequests()).some((e) => e.data.reason === 'from a role not listed')).toBe(false);
    } finally {
      await postgres.end();
      await allowed.end();
      await host.stop();
    }
  });

  it('COTTON_BACKUP_NOTIFY=off: every NOTIFY request is refused and audited', async () => {
    const host = await f.startHost({ COTTON_BACKUP_NOTIFY: 'off' });
    const before = { requests: (await notifyRequests()).length, rejections: (await rejections()).length };
    const c = await connect(f.db);
    try {
      await send(c, JSON.stringify({ reason: 'while off' }));
      await c.query('NOTIFY cotton_backup');
      const refused = await waitUntil(async () => {
        const rows = (await rejections()).slice(before.rejections);
        return rows.length >= 2 && rows;
      }, 'two refusals');
      expect(refused.every((e) => /turned off \(COTTON_BACKUP_NOTIFY=off\)/.test(String(e.data.reason)))).toBe(true);
      expect((await notifyRequests()).length).toBe(before.requests);
    } finally {
      await c.end();
      await host.stop();
    }
  });
});
