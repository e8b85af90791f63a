/**
 * #27 point 9: asking for a checkpoint from SQL used to need INSERT on cotton_backup.events, and
 * with that grant a role could write any event. End to end through `serve` and the CLI.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { adminQuery, testServer } from '../support/database';
import { checkEventChain, checks } from './checks';
import { cli, createFaultEnv, spawnCli, type FaultEnv } from './harness';
import type { Scenario } from './scenario';

const API = '/api/v1/server/database-backup';

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

async function as<T>(f: FaultEnv, user: string, run: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ ...testServer, user, database: f.db.name });
  await c.connect();
  try {
    return await run(c);
  } finally {
    await c.end();
  }
}

const refused = (p: Promise<unknown>) => p.then(() => false, (e: Error) => /permission denied/.test(e.message));

const forgedEvents: Scenario = {
  id: 'security: checkpoint grant and invalid stored events',
  group: 'security',
  how:
    'against a running host, a role with only USAGE and EXECUTE on `request_checkpoint()` asks for a backup and tries to INSERT an event; ' +
    'a role given INSERT and SELECT on `cotton_backup.events` (the grants the old function needed) writes a `Dumped` with `bytes: "lots"` and a request with `requestId: "nope"`; ' +
    'then `audit` (twice), `projections rebuild` and `GET …/events`',
  expect:
    'the EXECUTE-only role is served, recorded as its login role with source sql, and refused the INSERT; every reader works (exit 0, 200) and skips the two rows; ' +
    'each is recorded once as StoredEventRejected; a later request is served; the hash chain holds',
  async run() {
    const c = checks();
    const f = await createFaultEnv('fforge');
    const suffix = randomBytes(4).toString('hex');
    const executor = `fexec_${suffix}`;
    const inserter = `finsert_${suffix}`;
    await adminQuery(`CREATE ROLE ${executor} LOGIN; CREATE ROLE ${inserter} LOGIN`);
    const host = spawnCli(f, ['serve'], { timeoutMs: 300_000 });
    try {
      await host.waitFor(/"msg":"host serving"/);
      const url = /"url":"(http:[^"]+)"/.exec(host.stderr())![1]!;
      await f.db.pool.query(`GRANT USAGE ON SCHEMA cotton_backup TO ${executor}, ${inserter};
        GRANT EXECUTE ON FUNCTION cotton_backup.request_checkpoint(text) TO ${executor};
        GRANT INSERT, SELECT ON cotton_backup.events TO ${inserter}`);

      const served = async (id: string) =>
        (await f.db.pool.query('SELECT status FROM cotton_backup.checkpoint_requests WHERE request_id = $1', [id])).rows[0]?.status === 'served';
      const request = await as(f, executor, async (pg) => ({
        id: await pg.query("SELECT cotton_backup.request_checkpoint('executor') AS id").then((r) => r.rows[0].id as string, (e: Error) => e.message),
        insert: await refused(pg.query(`INSERT INTO cotton_backup.events (stream_id, stream_version, type, data) VALUES ('x', 1, 'BackupRequested', '{}')`)),
      }));
      c.ok(/^[0-9a-f-]{36}$/.test(request.id), `the EXECUTE-only role can call request_checkpoint() (${request.id})`);
      c.ok(request.insert, 'the EXECUTE-only role cannot INSERT into events');
      if (/^[0-9a-f-]{36}$/.test(request.id)) {
        c.ok(await waitFor(() => served(request.id), 120_000), 'its request is served');
        const { rows } = await f.db.pool.query('SELECT data FROM cotton_backup.events WHERE stream_id = $1', [`request-${request.id}`]);
        c.ok(rows[0]?.data.requestedBy === executor && rows[0]?.data.source === 'sql', `recorded as ${executor}, source sql (${JSON.stringify(rows[0]?.data)})`);
      }

      const forged = await as(f, inserter, async (pg) => {
        const insert = (stream: string, type: string, data: unknown) =>
          pg.query(`INSERT INTO cotton_backup.events (stream_id, stream_version, type, data) VALUES ($1, 1, $2, $3::jsonb) RETURNING global_position::text AS p`, [stream, type, JSON.stringify(data)]);
        return [
          (await insert('forged-dump', 'Dumped', { bytes: 'lots' })).rows[0].p as string,
          (await insert('request-forged', 'BackupRequested', { requestId: 'nope', source: 'api', reason: 'forged', requestedBy: 'admin' })).rows[0].p as string,
        ];
      });

      for (let i = 0; i < 2; i++) {
        const audit = await cli(f, ['audit', '--limit', '200']);
        c.ok(audit.code === 0, `audit run ${i + 1} exits 0 (${audit.code}: ${audit.stderr.trim().slice(-200)})`);
      }
      const rebuild = await cli(f, ['projections', 'rebuild']);
      c.ok(rebuild.code === 0, `projections rebuild exits 0 (${rebuild.code}: ${rebuild.stderr.trim().slice(-200)})`);
      const page = await fetch(`${url}${API}/events?limit=1000`, { headers: { authorization: `Bearer ${f.secrets.adminToken}` } });
      c.ok(page.status === 200, `GET …/events answers 200 (${page.status})`);
      if (page.status === 200) {
        const { events } = (await page.json()) as { events: { globalPosition: string }[] };
        c.ok(!events.some((e) => forged.includes(e.globalPosition)), 'GET …/events leaves the invalid rows out');
      }
      const { rows: recorded } = await f.db.pool.query("SELECT data->>'globalPosition' AS p FROM cotton_backup.events WHERE type = 'StoredEventRejected'");
      for (const p of forged) {
        const n = recorded.filter((r) => r.p === p).length;
        c.ok(n === 1, `the invalid row at #${p} is recorded once as StoredEventRejected (${n} times)`);
      }

      const later = await as(f, executor, (pg) => pg.query("SELECT cotton_backup.request_checkpoint('after the forgeries') AS id").then((r) => r.rows[0].id as string, () => ''));
      c.ok(later !== '' && (await waitFor(() => served(later), 120_000)), 'a request after the forgeries is served');
      host.killGroup('SIGTERM');
      const stopped = await host.done;
      c.ok(stopped.code === 0, `the host stops cleanly (exit ${stopped.code})`);
      await checkEventChain(c, f);
    } finally {
      host.killGroup('SIGKILL');
      await host.done;
      await f.cleanup();
      await adminQuery(`DROP ROLE IF EXISTS ${executor}; DROP ROLE IF EXISTS ${inserter}`);
    }
    return c;
  },
};

export const eventForgeryScenarios: Scenario[] = [forgedEvents];
