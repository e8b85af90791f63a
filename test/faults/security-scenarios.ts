import { readFile } from 'node:fs/promises';
import type pg from 'pg';
import { makeCottonEmptyWithAdmins } from '../restore/fixtures';
import { snapshotTables } from '../support/cotton-schema';
import { createTestDatabase, dropDatabase, testServer, type TestDatabase } from '../support/database';
import { checkEventChain, checkNoLeaks, checks, checkToolEnvironment, type Checks } from './checks';
import { cli, createFaultEnv, spawnCli, type CliResult, type FaultEnv } from './harness';
import type { Scenario } from './scenario';

/** Every event and every Cotton notification of a database, as text for the leak checks. */
async function storedTexts(pool: pg.Pool): Promise<string[]> {
  const events = await pool.query('SELECT data::text || metadata::text AS t FROM cotton_backup.events').catch(() => ({ rows: [] }));
  const notices = await pool.query("SELECT title || ' ' || coalesce(content, '') AS t FROM public.notifications").catch(() => ({ rows: [] }));
  return [...events.rows, ...notices.rows].map((r: { t: string }) => r.t);
}

async function eventsOf(pool: pg.Pool, type: string): Promise<Array<{ step: string; message: string }>> {
  const { rows } = await pool.query('SELECT data FROM cotton_backup.events WHERE type = $1 ORDER BY global_position', [type]).catch(() => ({ rows: [] }));
  return rows.map((r: { data: { step: string; message: string } }) => r.data);
}

/** `serve` with a startup restore into `target`; resolves when it served (then stopped) or exited. */
async function startupRestore(f: FaultEnv, target: TestDatabase, env: Record<string, string> = {}): Promise<{ served: boolean; result: CliResult }> {
  const host = spawnCli(f, ['serve'], { env: { COTTON_PG_DATABASE: target.name, COTTON_RESTORE_DATABASE_IF_EMPTY: 'true', ...env }, timeoutMs: 120_000 });
  const served = await host.waitFor(/"msg":"host serving"/, 90_000).then(() => true, () => false);
  host.killGroup('SIGTERM');
  return { served, result: await host.done };
}

/** A failure message that carried the secrets must be stored with each of them replaced, and say what failed. */
function checkRedacted(c: Checks, failures: Array<{ step: string; message: string }>, what: string, names: RegExp): void {
  const failure = failures.at(-1);
  c.ok(failure && names.test(failure.message), `${what}: the failure is recorded, naming what failed (${failure?.message.slice(0, 200)})`);
  c.ok(failure && (failure.message.match(/\[REDACTED\]/g) ?? []).length >= 2, `${what}: the recorded message holds the redacted form of the secrets it carried`);
}

/**
 * Every command path that touches a secret, with failures whose messages really carry the
 * secrets, then the leak checks: argv and environment of pg_dump/pg_restore (through PATH
 * shims), every output, every event and Cotton notification, every recorded failure; the
 * plaintext marker on disk; the event log's immutability and hash chain.
 */
const secretsNeverLeak: Scenario = {
  id: 'security: secrets and plaintext never leak',
  group: 'security',
  how:
    'with a database password set: backup, verify; a backup of a missing database; a backup whose pg_dump fails echoing the password and the master key; ' +
    'a configuration error; `serve` with good and bad admin tokens; a startup restore into an empty database (pg_restore runs); ' +
    'a startup restore whose pg_restore fails echoing the password and the master key; pg_dump/pg_restore shimmed on PATH to log argv and env names',
  expect:
    'the secret-carrying failures are recorded (BackupFailed, RestoreFailed) with the secrets redacted; no master key, database password or admin token in argv, ' +
    'logs, output, events, notifications or messages; pg_dump and pg_restore both ran, each with PGPASSWORD; no plaintext dump on disk; events append-only; `events verify` exit 0',
  async run() {
    const c = checks();
    const f = await createFaultEnv('fsec');
    const targets: TestDatabase[] = [];
    const target = async (withAdmins: boolean) => {
      const db = await createTestDatabase('fsectgt');
      db.pool.on('error', () => undefined);
      targets.push(db);
      if (withAdmins) await makeCottonEmptyWithAdmins(db.pool);
      return db;
    };
    // Stands for any tool message that quotes a secret; the shim adds the password it was given.
    const echo = { FAULT_SHIM_FAIL: `could not connect with key ${f.secrets.masterKey}` };
    const stored: string[] = [];
    try {
      c.ok((await cli(f, ['backup'])).code === 0, 'a backup succeeds');
      c.ok((await cli(f, ['verify'])).code === 0, 'verify succeeds');
      const failing = await cli(f, ['backup'], { env: { COTTON_PG_DATABASE: 'no_such_database_fsec' } });
      c.ok(failing.code !== 0 && /no_such_database_fsec/.test(failing.stderr), 'a backup of a missing database fails naming the database');
      const echoing = await cli(f, ['backup'], { env: echo });
      c.ok(echoing.code !== 0 && /pg_dump exited with 1/.test(echoing.stderr), `a backup whose pg_dump fails quoting secrets fails naming pg_dump (${echoing.stderr.slice(-200)})`);
      checkRedacted(c, await eventsOf(f.db.pool, 'BackupFailed'), 'BackupFailed', /pg_dump exited with 1: pg_dump: error: could not connect/);
      const badKey = f.secrets.masterKey.slice(0, 31);
      const config = await cli(f, ['latest'], { env: { COTTON_MASTER_KEY: badKey, COTTON_ADMIN_TOKEN: 'short' } });
      c.ok(config.code !== 0 && /COTTON_MASTER_KEY/.test(config.stderr), 'a bad master key is refused naming the variable');
      c.ok(!config.stderr.includes(badKey) && !config.stderr.includes('short'), 'the configuration error echoes no secret value');

      const serve = spawnCli(f, ['serve']);
      await serve.waitFor(/"msg":"host serving"/);
      const url = /"url":"(http:[^"]+)"/.exec(serve.stderr())![1]!;
      const plugins = `${url}/api/v1/host/plugins`;
      const bad = await fetch(plugins, { headers: { authorization: `Bearer ${f.secrets.adminToken}x` } });
      const good = await fetch(plugins, { headers: { authorization: `Bearer ${f.secrets.adminToken}` } });
      stored.push(await bad.text(), await good.text());
      c.ok(bad.status === 401 && good.status === 200, `admin auth: wrong token 401, right token 200 (${bad.status}, ${good.status})`);
      serve.killGroup('SIGTERM');
      c.ok((await serve.done).code === 0, 'serve stops cleanly');

      const restoredDb = await target(false);
      const restored = await startupRestore(f, restoredDb);
      c.ok(restored.served && restored.result.code === 0, `a startup restore into an empty database serves, then stops cleanly (exit ${restored.result.code})`);
      c.ok((await eventsOf(restoredDb.pool, 'Restored')).length === 1, 'the startup restore ran pg_restore to the end (Restored recorded)');
      stored.push(...(await storedTexts(restoredDb.pool)));

      const refusedDb = await target(true);
      const refused = await startupRestore(f, refusedDb, echo);
      c.ok(!refused.served && refused.result.code !== 0 && /pg_restore exited with 1/.test(refused.result.stderr), `a startup restore whose pg_restore fails quoting secrets stops the host naming pg_restore (exit ${refused.result.code})`);
      checkRedacted(c, await eventsOf(refusedDb.pool, 'RestoreFailed'), 'RestoreFailed', /pg_restore exited with 1: pg_restore: error: could not connect/);
      stored.push(...(await storedTexts(refusedDb.pool)));

      const events = await cli(f, ['events', 'verify', '--json']);
      c.ok(events.code === 0, `\`events verify\` exits 0 (${events.stdout.slice(0, 200)})`);
      for (const statement of ['UPDATE cotton_backup.events SET data = data', 'DELETE FROM cotton_backup.events', 'TRUNCATE cotton_backup.events']) {
        const refusedChange = await f.db.pool.query(statement).then(() => false, (e: Error) => /append-only/.test(e.message));
        c.ok(refusedChange, `the event log refuses: ${statement}`);
      }
      await checkEventChain(c, f);
      stored.push(...(await storedTexts(f.db.pool)));
      await checkNoLeaks(c, f, stored, ['pg_dump', 'pg_restore']);
    } finally {
      for (const db of targets) await db.drop();
      await f.cleanup();
    }
    return c;
  },
};

/** The environment (names only) every pg_dump/pg_restore child got: PGPASSWORD, and only allowed variables. */
const toolEnvironment: Scenario = {
  id: 'security: pg tools inherit no secret variable',
  group: 'security',
  how:
    'with a database password set (COTTON_PG_PASSWORD), copy-target credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) and a made-up secret variable in the environment: ' +
    'a backup, then a startup restore into an empty database, pg_dump/pg_restore shims logging the names of their environment variables',
  expect:
    'pg_dump and pg_restore both ran (no logged environment = failure); PGPASSWORD present in every connecting invocation; ' +
    'only allowed variables (PATH, HOME, LANG, LC_*, TZ, TMPDIR, LD_LIBRARY_PATH, PGPASSWORD, PGCONNECT_TIMEOUT) in every invocation, `--version` probes included: no COTTON_*, AWS_* or other secret',
  async run() {
    const c = checks();
    const f = await createFaultEnv('fsecenv');
    const target = await createTestDatabase('fsecenvt');
    target.pool.on('error', () => undefined);
    try {
      c.ok(f.env.COTTON_PG_PASSWORD, 'a database password is configured');
      // An allow-list, not a deny-list: variables the product has never heard of stay out too.
      const foreign = { AWS_ACCESS_KEY_ID: 'AKIAFAULTSUITE000001', AWS_SECRET_ACCESS_KEY: 'fault-suite-aws-secret-0123456789', ACME_BILLING_API_SECRET: 'fault-suite-made-up' };
      c.ok((await cli(f, ['backup'], { env: foreign })).code === 0, 'a backup succeeds');
      const restored = await startupRestore(f, target, foreign);
      c.ok(restored.served && restored.result.code === 0, `a startup restore into an empty database serves (exit ${restored.result.code})`);
      c.ok((await eventsOf(target.pool, 'Restored')).length === 1, 'the startup restore ran pg_restore to the end (Restored recorded)');
      await checkToolEnvironment(c, f, ['pg_dump', 'pg_restore']);
    } finally {
      await target.drop();
      await f.cleanup();
    }
    return c;
  },
};

/**
 * `COTTON_PG_DATABASE='dbname=other'` once had node-pg check one database for emptiness while
 * pg_restore (libpq expands such a value) wrote into another. Every way in is refused up front.
 */
const conninfoDatabaseName: Scenario = {
  id: 'security: a conninfo database name is refused',
  group: 'security',
  how: "`backup`, `serve` with COTTON_RESTORE_DATABASE_IF_EMPTY=true and `restore` with COTTON_PG_DATABASE (or --target-database) set to `dbname=<a populated database>` or `postgresql://…/<it>`; a plain backup with pg_dump/pg_restore shims logging argv",
  expect: 'each refused before any connection, naming the variable (or option); the populated database unchanged (a row added after the backup kept), no database created, no pg_dump/pg_restore run; a plain backup passes the name as a quoted `dbname=\'…\'`',
  async run() {
    const c = checks();
    const f = await createFaultEnv('fseccon');
    const spelled = [`dbname=${f.db.name}`, `postgresql://${testServer.user}@${testServer.host}:${testServer.port}/${f.db.name}`];
    try {
      c.ok((await cli(f, ['backup'])).code === 0, 'a backup succeeds');
      // A row the backup does not hold: a restore into this database would lose it.
      await f.db.pool.query("INSERT INTO users (id, username, role) VALUES (gen_random_uuid(), 'after-the-backup', 1)");
      const before = await snapshotTables(f.db.pool);
      const toolRuns = async () => (await readFile(f.shimLog, 'utf8')).split('\n').filter((l) => l.startsWith('ARGV') && !l.includes('--version')).length;
      const runsBefore = await toolRuns();
      for (const name of spelled) {
        const env = { COTTON_PG_DATABASE: name };
        const backup = await cli(f, ['backup'], { env });
        c.ok(backup.code !== 0 && /COTTON_PG_DATABASE: expected a plain database name/.test(backup.stderr), `backup with COTTON_PG_DATABASE=${name} is refused naming the variable`);
        const serve = await cli(f, ['serve'], { env: { ...env, COTTON_RESTORE_DATABASE_IF_EMPTY: 'true' }, timeoutMs: 30_000 });
        c.ok(serve.code !== 0 && /COTTON_PG_DATABASE/.test(serve.stderr) && !/host serving/.test(serve.stderr), `serve (startup restore on) with COTTON_PG_DATABASE=${name} is refused before it serves`);
        const restore = await cli(f, ['restore', '--target-database', name]);
        c.ok(restore.code !== 0 && /--target-database/.test(restore.stderr), `restore --target-database ${name} is refused naming the option`);
        const created = await f.db.pool.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        c.ok(created.rowCount === 0, `no database literally named ${name} was created`);
        await dropDatabase(name).catch(() => undefined);
      }
      c.ok((await toolRuns()) === runsBefore, 'no pg_dump/pg_restore ran for a refused name');
      c.ok(JSON.stringify(await snapshotTables(f.db.pool)) === JSON.stringify(before), 'the populated database is unchanged');
      const argv = (await readFile(f.shimLog, 'utf8')).split('\n').filter((l) => l.startsWith('ARGV pg_dump') && !l.includes('--version'));
      c.ok(argv.length > 0 && argv.every((l) => l.includes(` --dbname dbname=\\'${f.db.name}\\'`)), `pg_dump gets the name quoted, as dbname='${f.db.name}' (${argv[0]?.slice(0, 300)})`);
      await checkEventChain(c, f);
    } finally {
      await f.cleanup();
    }
    return c;
  },
};

export const securityScenarios: Scenario[] = [secretsNeverLeak, toolEnvironment, conninfoDatabaseName];
