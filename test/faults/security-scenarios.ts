import { readFile } from 'node:fs/promises';
import { snapshotTables } from '../support/cotton-schema';
import { dropDatabase, testServer } from '../support/database';
import { checkEventChain, checkNoLeaks, checks } from './checks';
import { cli, createFaultEnv, spawnCli } from './harness';
import type { Scenario } from './scenario';

/**
 * Every command path that touches a secret, then the leak checks: argv of pg_dump/pg_restore
 * (through PATH shims), every output, every event, every recorded failure; the plaintext
 * marker on disk; the event log's immutability and hash chain.
 */
const secretsNeverLeak: Scenario = {
  id: 'security: secrets and plaintext never leak',
  group: 'security',
  how: 'backup, verify, a failing backup (unknown database), a configuration error echoing nothing, `serve` with good and bad admin tokens, a startup restore; pg_dump/pg_restore shimmed on PATH to log argv and env names',
  expect: 'no master key, database password or admin token in argv, logs, output, events or messages; password via PGPASSWORD; no plaintext dump on disk; events append-only; `events verify` exit 0',
  async run() {
    const c = checks();
    const f = await createFaultEnv('fsec');
    try {
      c.ok((await cli(f, ['backup'])).code === 0, 'a backup succeeds');
      c.ok((await cli(f, ['verify'])).code === 0, 'verify succeeds');
      const failing = await cli(f, ['backup'], { env: { COTTON_PG_DATABASE: 'no_such_database_fsec' } });
      c.ok(failing.code !== 0 && /no_such_database_fsec/.test(failing.stderr), 'a backup of a missing database fails naming the database');
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
      const bodies = [await bad.text(), await good.text()];
      c.ok(bad.status === 401 && good.status === 200, `admin auth: wrong token 401, right token 200 (${bad.status}, ${good.status})`);
      serve.killGroup('SIGTERM');
      c.ok((await serve.done).code === 0, 'serve stops cleanly');

      const restore = spawnCli(f, ['serve'], { env: { COTTON_RESTORE_DATABASE_IF_EMPTY: 'true', COTTON_PG_PORT: '1' } });
      // No server there: the host cannot even connect, and says so without the password.
      const restored = await restore.done;
      c.ok(restored.code !== 0 && /cannot connect to PostgreSQL/.test(restored.stderr), 'an unreachable restore target fails naming the connection');

      const events = await cli(f, ['events', 'verify', '--json']);
      c.ok(events.code === 0, `\`events verify\` exits 0 (${events.stdout.slice(0, 200)})`);
      for (const statement of ['UPDATE cotton_backup.events SET data = data', 'DELETE FROM cotton_backup.events', 'TRUNCATE cotton_backup.events']) {
        const refused = await f.db.pool.query(statement).then(() => false, (e: Error) => /append-only/.test(e.message));
        c.ok(refused, `the event log refuses: ${statement}`);
      }
      await checkEventChain(c, f);
      await checkNoLeaks(c, f, bodies);
    } finally {
      await f.cleanup();
    }
    return c;
  },
};

/** The environment (names only) every pg_dump/pg_restore child got: no COTTON_* secret may be among them. */
const toolEnvironment: Scenario = {
  id: 'security: pg tools inherit no secret variable',
  group: 'security',
  how: 'a backup and a startup restore with pg_dump/pg_restore shims logging the names of their environment variables',
  expect: 'PGPASSWORD present; COTTON_MASTER_KEY, COTTON_PG_PASSWORD, COTTON_ADMIN_TOKEN absent from every pg_dump/pg_restore invocation',
  async run() {
    const c = checks();
    const f = await createFaultEnv('fsecenv');
    try {
      c.ok((await cli(f, ['backup'])).code === 0, 'a backup succeeds');
      const lines = (await readFile(f.shimLog, 'utf8')).split('\n');
      for (const [i, line] of lines.entries()) {
        if (!line.startsWith('ENV')) continue;
        const call = lines[i - 1]?.slice(5, 60);
        for (const name of ['COTTON_MASTER_KEY', 'COTTON_PG_PASSWORD', 'COTTON_ADMIN_TOKEN']) c.ok(!line.includes(` ${name} `), `${call}: no ${name} in its environment`);
      }
    } finally {
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
