import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { snapshotTables } from '../support/cotton-schema';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { checkNoLeaks, checks } from './checks';
import { cli, createFaultEnv, spawnCli, type FaultEnv, type SpawnOptions } from './harness';
import type { Scenario } from './scenario';

const workDir = (f: FaultEnv) => join(f.dataPath, 'restore-tmp');
const dumpsInWorkDir = async (f: FaultEnv) => (await readdir(workDir(f)).catch(() => [] as string[])).filter((n) => n.endsWith('.dump'));

async function pgRestoreRunning(f: FaultEnv, target: TestDatabase): Promise<boolean> {
  const { rows } = await f.db.pool.query("SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name = 'pg_restore' AND state = 'active'", [target.name]);
  return rows.length > 0;
}

/** `halfRestores`: the kill leaves a half-restored database under our marker, wiped at the next start. */
type Kill = { how: string; options: (f: FaultEnv, target: TestDatabase) => SpawnOptions; halfRestores?: boolean };

export const RESTORE_KILLS: Record<string, Kill> = {
  'mid-verification': {
    how: 'process group killed (-9) as soon as the verified-dump file appears in the restore work dir',
    options: (f) => ({ killWhen: async () => (await dumpsInWorkDir(f)).length > 0 }),
  },
  'after verification': {
    how: 'COTTON_FAILPOINTS=restore.afterVerified=exit',
    options: () => ({ failpoints: 'restore.afterVerified=exit' }),
  },
  'mid-pg_restore': {
    how: 'process group killed (-9), pg_restore included, once pg_restore is active on the target database',
    options: (f, target) => ({ killWhen: () => pgRestoreRunning(f, target) }),
    halfRestores: true,
  },
};

/**
 * A backup; then a host starting on an empty database with COTTON_RESTORE_DATABASE_IF_EMPTY=true,
 * killed during its startup restore; then the host started again. It must sweep the plaintext
 * dump the kill left, restore, and end with every table equal to the backed-up data.
 */
function restoreCrash(name: string, kill: Kill): Scenario {
  return {
    id: `restore crash ${name}`,
    group: 'restore crash',
    how: `\`cotton-backup serve\` doing a startup restore into an empty database: ${kill.how}; then \`serve\` again`,
    expect: 'the next start sweeps the plaintext dump, restores, every table equal; no secret or plaintext left',
    async run() {
      const c = checks();
      const f = await createFaultEnv('frest');
      const target = await createTestDatabase('frtarget');
      target.pool.on('error', () => undefined);
      try {
        const base = await cli(f, ['backup']);
        if (!c.ok(base.code === 0, `the backup succeeds (${base.stderr.slice(-300)})`)) return c;
        const expected = await snapshotTables(f.db.pool);
        const env = { COTTON_PG_DATABASE: target.name, COTTON_RESTORE_DATABASE_IF_EMPTY: 'true' };
        const crashed = await spawnCli(f, ['serve'], { env, ...kill.options(f, target), timeoutMs: 60_000 }).done;
        c.ok(crashed.signal === 'SIGKILL', `the host is killed ${name} (exit ${crashed.code}, ${crashed.signal}): ${crashed.stderr.slice(-300)}`);
        const left = await dumpsInWorkDir(f);
        if (left.length > 0) c.note(`${left.length} plaintext dump file(s) left by the kill, swept at the next start`);

        const again = spawnCli(f, ['serve'], { env, timeoutMs: 90_000 });
        try {
          await again.waitFor(/"msg":"host serving"/, 60_000);
        } catch (error) {
          c.ok(false, `the host starts again: ${(error as Error).message.slice(0, 600)}`);
        }
        again.killGroup('SIGTERM');
        const stopped = await again.done;
        c.ok(stopped.code === 0, `the host stops cleanly (exit ${stopped.code}, ${stopped.signal})`);
        // The restore adds Cotton's "Database restored automatically" notification for each of the 2 admins.
        const restored = await snapshotTables(target.pool);
        const notifications = restored['public.notifications'];
        delete restored['public.notifications'];
        delete expected['public.notifications'];
        c.ok(JSON.stringify(restored) === JSON.stringify(expected), 'every table of the restored database equals the backed-up data');
        c.ok(notifications?.startsWith('52:'), `the 50 notifications plus one per admin for the restore (${notifications})`);
        c.ok((await dumpsInWorkDir(f)).length === 0, 'no dump file remains in the restore work dir');
        const { rows } = await target.pool.query("SELECT data::text || metadata::text AS t FROM cotton_backup.events").catch(() => ({ rows: [] as { t: string }[] }));
        c.ok(rows.length > 0, 'the restore is recorded in the restored database');
        if (kill.halfRestores) {
          const wiped = await target.pool.query("SELECT 1 FROM cotton_backup.events WHERE type = 'InterruptedRestoreWiped'").catch(() => ({ rows: [] }));
          c.ok(wiped.rows.length === 1, 'the half-restored database was proven ours by its marker, and wiped once the backup verified (InterruptedRestoreWiped)');
        }
        await checkNoLeaks(c, f, rows.map((r) => r.t));
      } finally {
        await target.drop();
        await f.cleanup();
      }
      return c;
    },
  };
}

/**
 * Issue 10 point 14: `cotton-backup restore` killed (-9) while it verifies leaves the plaintext
 * dump behind; the next restore, a CLI one too, must sweep it before anything else.
 */
const cliRestoreKilled: Scenario = {
  id: 'restore crash: CLI restore killed mid-verification',
  group: 'restore crash',
  how: '`cotton-backup restore --target-database <empty>` process group killed (-9) as soon as its verified-dump file appears; then `restore` again',
  expect: 'the second restore sweeps the plaintext dump the kill left, restores, every table equal; no dump left',
  async run() {
    const c = checks();
    const f = await createFaultEnv('frcli');
    const target = await createTestDatabase('frclit');
    target.pool.on('error', () => undefined);
    try {
      const base = await cli(f, ['backup']);
      if (!c.ok(base.code === 0, `the backup succeeds (${base.stderr.slice(-300)})`)) return c;
      const expected = await snapshotTables(f.db.pool);
      const args = ['restore', '--target-database', target.name];
      const killed = await spawnCli(f, args, { killWhen: async () => (await dumpsInWorkDir(f)).length > 0, timeoutMs: 60_000 }).done;
      c.ok(killed.signal === 'SIGKILL', `the CLI restore is killed mid-verification (exit ${killed.code}, ${killed.signal})`);
      const left = await dumpsInWorkDir(f);
      c.ok(left.length > 0, 'the kill leaves its plaintext dump behind (what the next restore must sweep)');
      const again = await cli(f, args, { timeoutMs: 90_000 });
      c.ok(again.code === 0, `the next CLI restore succeeds (exit ${again.code}: ${again.stderr.slice(-300)})`);
      c.ok(/removed plaintext dump files left by restores that were killed/.test(again.stderr), 'it says it swept the killed restore’s dump');
      c.ok(JSON.stringify(await snapshotTables(target.pool)) === JSON.stringify(expected), 'every table of the restored database equals the backed-up data');
      c.ok((await dumpsInWorkDir(f)).length === 0, 'no dump file remains in the restore work dir');
      await checkNoLeaks(c, f, []);
    } finally {
      await target.drop();
      await f.cleanup();
    }
    return c;
  },
};

const LATER_ROW = "INSERT INTO users (id, username, role) VALUES (gen_random_uuid(), 'added-after-the-backup', 1)";
const MARKER_PRESENT = "SELECT to_regnamespace('cotton_restore_in_progress') IS NOT NULL AS present";

/**
 * Issue 10 point 1, as a role with CREATE on the database would do it: a populated database, a
 * backup, a later row, then `CREATE SCHEMA cotton_restore_in_progress` (empty, then with a made-up
 * marker row), and `serve` with COTTON_RESTORE_DATABASE_IF_EMPTY=true: once with the backup in
 * storage, once with an empty storage root.
 */
const forgedMarker: Scenario = {
  id: 'a forged marker never wipes data',
  group: 'security',
  how:
    'populated database, `backup`, a later row, then `CREATE SCHEMA cotton_restore_in_progress` (empty; then with a marker row and a made-up MAC); ' +
    '`serve` with COTTON_RESTORE_DATABASE_IF_EMPTY=true, with the backup in storage and with an empty storage root',
  expect:
    'the host serves the database as it was (with the empty root it refuses that storage as another than the recorded one): every table equal, the later row there, the schema untouched; a warning names the marker; no message claims the database was emptied',
  async run() {
    const c = checks();
    const f = await createFaultEnv('fforge');
    const emptyRoot = join(f.root, 'empty-files');
    try {
      const base = await cli(f, ['backup']);
      if (!c.ok(base.code === 0, `the backup succeeds (${base.stderr.slice(-300)})`)) return c;
      await f.db.pool.query(LATER_ROW);
      const forgeries = {
        'an empty schema': 'CREATE SCHEMA cotton_restore_in_progress',
        'a made-up marker row': `CREATE SCHEMA cotton_restore_in_progress;
          CREATE TABLE cotton_restore_in_progress.marker (restore_id text, backup_id text, manifest_key text, mac text);
          INSERT INTO cotton_restore_in_progress.marker VALUES (gen_random_uuid()::text, '${'0'.repeat(32)}', '${'a'.repeat(64)}', '${'b'.repeat(64)}')`,
      };
      for (const [forgery, sql] of Object.entries(forgeries)) {
        for (const [storage, root] of [['empty storage root', emptyRoot], ['backup in storage', f.storageRoot]] as const) {
          const what = `${forgery}, ${storage}`;
          await f.db.pool.query('DROP SCHEMA IF EXISTS cotton_restore_in_progress CASCADE');
          await f.db.pool.query(sql);
          const before = await snapshotTables(f.db.pool);
          const host = spawnCli(f, ['serve'], { env: { COTTON_RESTORE_DATABASE_IF_EMPTY: 'true', COTTON_STORAGE_PATH: root }, timeoutMs: 60_000 });
          // An empty root where the database records the storage of its backups is another storage
          // (issue 27 point 0b): the host refuses to serve it, after the restore hook left the database alone.
          const elsewhere = root === emptyRoot;
          const served = await host.waitFor(/"msg":"host serving"/, 45_000).then(() => true, (error: Error) => error.message.slice(0, 400));
          host.killGroup('SIGTERM');
          const out = await host.done;
          if (elsewhere) c.ok(served !== true && /is empty and has no identity record, but this database's backups are in storage [0-9a-f]{32}/.test(out.stderr), `${what}: the host refuses the storage as another than the recorded one`);
          else c.ok(served === true, `${what}: the host serves the database (${served})`);
          c.ok(JSON.stringify(await snapshotTables(f.db.pool)) === JSON.stringify(before), `${what}: every table as it was, the later row included`);
          c.ok((await f.db.pool.query(MARKER_PRESENT)).rows[0].present, `${what}: the schema is not dropped`);
          c.ok(/treated as not empty and nothing was touched: schema cotton_restore_in_progress/.test(out.stderr), `${what}: a warning names the marker`);
          c.ok(!/left empty|wiped again|restore refused/.test(out.stderr), `${what}: no message claims a restore or an emptied database`);
        }
      }
      const { rows } = await f.db.pool.query("SELECT count(*)::int AS n FROM users WHERE username = 'added-after-the-backup'");
      c.ok(rows[0].n === 1, 'the row added after the backup survives every start');
    } finally {
      await f.cleanup();
    }
    return c;
  },
};

export const restoreScenarios: Scenario[] = [...Object.entries(RESTORE_KILLS).map(([name, kill]) => restoreCrash(name, kill)), cliRestoreKilled, forgedMarker];
