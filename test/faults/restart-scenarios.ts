import { execFileSync } from 'node:child_process';
import { PgBoss } from 'pg-boss';
import pg from 'pg';
import { VERIFY_QUEUE } from '../../plugins/backup/core/queues';
import { testServer } from '../support/database';
import { checkEventChain, checkNoLeaks, checkNothingRunning, checkPointerComplete, checks, client, type Checks } from './checks';
import { backupStatuses, cli, createFaultEnv, currentPointer, spawnCli, type FaultEnv } from './harness';
import type { Scenario } from './scenario';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `pg_ctlcluster restart` (fast shutdown: every session is cut), then wait until it accepts connections. */
export async function restartPostgres(): Promise<number> {
  const started = Date.now();
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', '15', 'main', 'restart']);
  for (;;) {
    const c = new pg.Client({ ...testServer, database: 'postgres' });
    try {
      await c.connect();
      await c.end();
      return Date.now() - started;
    } catch {
      await wait(100);
    }
  }
}

/** Our own pool lost its sessions too: query until a fresh one answers. */
async function settle(f: FaultEnv): Promise<void> {
  for (let i = 0; i < 20; i++) {
    if (await f.db.pool.query('SELECT 1').then(() => true, () => false)) return;
    await wait(100);
  }
}

async function pgDumpActive(f: FaultEnv): Promise<boolean> {
  const { rows } = await f.db.pool.query("SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name = 'pg_dump'", [f.db.name]);
  return rows.length > 0;
}

async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition().catch(() => false)) return true;
    await wait(200);
  }
  return false;
}

// pg_dump's output is held back FAULT_SHIM_DELAY seconds (shim), so it sits mid-COPY, connected, when PostgreSQL restarts.
const SLOW_DUMP = { FAULT_SHIM_DELAY: '4' };

// Found by this suite and fixed in 41fd5fa: the backup lock's session had no 'error' listener, so a
// cut connection crashed the process (CLI and host) before BackupFailed could be recorded.

/** The CLI backup across a cut: `restart` restarts PostgreSQL; otherwise only this database's sessions are terminated. */
function duringCliBackupScenario(restart: boolean): Scenario {
  return {
  id: restart ? 'restart during a CLI backup' : 'sessions terminated during a CLI backup',
  group: 'PostgreSQL restart',
  restartsPostgres: restart,
  how: restart
    ? '`cotton-backup backup` with pg_dump held mid-COPY (shim delays its output 4 s); `pg_ctlcluster restart` while it is connected'
    : '`cotton-backup backup` with pg_dump held mid-COPY (shim, 4 s); `pg_terminate_backend` on every session of its database (the client side of a restart, without disturbing other databases)',
  expect: 'the run fails with a message (not a hang); BackupFailed recorded or the run closed as stale by the next one; pointer unchanged; the next run completes',
  async run() {
    const c = checks();
    const f = await createFaultEnv('frestart');
    try {
      const base = await cli(f, ['backup', '--json']);
      if (!c.ok(base.code === 0, 'the first backup succeeds')) return c;
      const baseKey = JSON.parse(base.stdout).manifestKey;
      await f.db.pool.query('UPDATE chunks SET stored_size_bytes = stored_size_bytes + 1');
      const run = spawnCli(f, ['backup'], { env: SLOW_DUMP, timeoutMs: 120_000 });
      c.ok(await until(() => pgDumpActive(f), 30_000), 'pg_dump is connected');
      if (restart) c.note(`PostgreSQL back after ${await restartPostgres()} ms`);
      else await terminateSessions(f);
      await settle(f);
      const r = await run.done;
      c.ok(r.code !== 0 && r.signal === null, `the run fails with an exit code (${r.code}, ${r.signal})`);
      const line = r.stderr.split('\n').find((l) => l.startsWith('cotton-backup:'));
      c.ok(line && !/Emitted 'error' event/.test(r.stderr), `it fails with a message, not a crash: ${(line ?? r.stderr.split('\n').find((l) => /Emitted|Error:/.test(l)) ?? '').slice(0, 300)}`);
      const crashed = (await backupStatuses(f))[1];
      c.note(`the interrupted run was recorded as "${crashed?.status}"${crashed?.failed_step ? ` (${crashed.failed_step})` : ''} right away`);
      c.ok((await currentPointer(f)) === baseKey, 'the pointer is unchanged');
      await checkPointerComplete(c, f);
      const next = await cli(f, ['backup']);
      c.ok(next.code === 0, `the retried run completes (${next.stderr.slice(-300)})`);
      const after = (await backupStatuses(f))[1];
      c.ok(after?.status === 'failed', `the interrupted run ends failed (${after?.status}, ${after?.failed_step})`);
      await checkNothingRunning(c, f);
      await checkEventChain(c, f);
      await checkNoLeaks(c, f);
    } finally {
      await f.cleanup();
    }
    return c;
  },
  };
}

async function terminateSessions(f: FaultEnv): Promise<void> {
  await f.db.pool.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [f.db.name]);
}

async function sendVerifyJob(f: FaultEnv): Promise<void> {
  const boss = new PgBoss({ ...testServer, database: f.db.name, schema: 'pgboss', supervise: false, schedule: false } as ConstructorParameters<typeof PgBoss>[0]);
  boss.on('error', () => undefined);
  await boss.start();
  await boss.send(VERIFY_QUEUE, {});
  await boss.stop({ graceful: false });
}

async function hostAcrossRestart(c: Checks, f: FaultEnv, env: Record<string, string>, during: (url: string) => Promise<void>): Promise<void> {
  const host = spawnCli(f, ['serve'], { env, timeoutMs: 300_000 });
  await host.waitFor(/"msg":"host serving"/);
  const url = /"url":"(http:[^"]+)"/.exec(host.stderr())![1]!;
  try {
    await during(url);
    if (!c.ok(host.child.exitCode === null, 'the host is still running')) {
      const fatal = host.stderr().split('\n').filter((l) => /"level":(50|60)/.test(l) || l.startsWith('cotton-backup:') || /^\s*at |Error/.test(l));
      c.note(`the host exited ${host.child.exitCode}: ${fatal.slice(-4).join(' / ').slice(0, 700)}`);
    }
    c.ok((await fetch(`${url}/health`).catch(() => undefined))?.status === 200, 'GET /health answers 200');
  } finally {
    host.killGroup('SIGTERM');
    const stopped = await host.done;
    c.ok(stopped.code === 0, `the host stops cleanly (exit ${stopped.code})`);
  }
}

const succeeded = async (f: FaultEnv) => (await backupStatuses(f)).filter((b) => b.status === 'succeeded').length;

const whileIdle: Scenario = {
  id: 'restart while the host is idle',
  group: 'PostgreSQL restart',
  restartsPostgres: true,
  how: '`cotton-backup serve` running, no backup; `pg_ctlcluster restart`; at once `request_checkpoint()` in SQL; then a NOTIFY; then a job on the pg-boss verification queue',
  expect: 'a request made during the reconnect is caught up; the listener reconnects (a later NOTIFY is served); pg-boss resumes (a verification job records Verified); the host never exits',
  async run() {
    const c = checks();
    const f = await createFaultEnv('fidle');
    try {
      await hostAcrossRestart(c, f, {}, async () => {
        c.note(`PostgreSQL back after ${await restartPostgres()} ms`);
        await settle(f);
        // At once, probably before the listener is back: its NOTIFY is lost, the request is not.
        await f.db.pool.query("SELECT cotton_backup.request_checkpoint('requested while the listener reconnects')");
        c.ok(await until(async () => (await succeeded(f)) >= 1, 60_000), 'a request made during the reconnect is caught up');
        await wait(1000);
        const n = client(f);
        await n.connect();
        await n.query(`NOTIFY cotton_backup, '{"reason": "after a restart"}'`);
        await n.end();
        c.ok(await until(async () => (await succeeded(f)) >= 2, 60_000), 'a NOTIFY after the restart is served (the listener reconnected)');
        await sendVerifyJob(f);
        const verified = async () => (await f.db.pool.query("SELECT 1 FROM cotton_backup.events WHERE type = 'Verified'")).rows.length > 0;
        c.ok(await until(verified, 60_000), 'pg-boss resumed: the verification job ran');
      });
      await checkPointerComplete(c, f);
      await checkEventChain(c, f);
      await checkNoLeaks(c, f);
    } finally {
      await f.cleanup();
    }
    return c;
  },
};

const duringHostBackup: Scenario = {
  id: 'restart during a backup run by the host',
  group: 'PostgreSQL restart',
  restartsPostgres: true,
  how: '`cotton-backup serve`; PATCH …/trigger; pg_dump held mid-COPY (shim, 4 s); `pg_ctlcluster restart` while it is connected',
  expect: 'that run ends failed (BackupFailed or stale), the request is retried by the host and a backup succeeds; nothing stays running',
  async run() {
    const c = checks();
    const f = await createFaultEnv('fhostrs');
    try {
      await hostAcrossRestart(c, f, SLOW_DUMP, async (url) => {
        const r = await fetch(`${url}/api/v1/server/database-backup/trigger`, { method: 'PATCH', headers: { authorization: `Bearer ${f.secrets.adminToken}` } });
        c.ok(r.status === 202, `the trigger is accepted (${r.status})`);
        c.ok(await until(() => pgDumpActive(f), 30_000), 'pg_dump is connected');
        c.note(`PostgreSQL back after ${await restartPostgres()} ms`);
        await settle(f);
        c.ok(await until(async () => (await succeeded(f)) >= 1, 150_000), 'the host retries and a backup succeeds');
        const statuses = await backupStatuses(f);
        c.ok(statuses[0]?.status === 'failed', `the interrupted run ends failed (${JSON.stringify(statuses[0])})`);
      });
      await checkNothingRunning(c, f);
      await checkPointerComplete(c, f);
      await checkEventChain(c, f);
      await checkNoLeaks(c, f);
    } finally {
      await f.cleanup();
    }
    return c;
  },
};

export const restartScenarios: Scenario[] = [duringCliBackupScenario(true), whileIdle, duringHostBackup];
/** Safe beside other tests: only the scenario's own sessions are cut. */
export const connectionCutScenarios: Scenario[] = [duringCliBackupScenario(false)];
