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

type Kill = { how: string; options: (f: FaultEnv, target: TestDatabase) => SpawnOptions };

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
        await checkNoLeaks(c, f, rows.map((r) => r.t));
      } finally {
        await target.drop();
        await f.cleanup();
      }
      return c;
    },
  };
}

export const restoreScenarios: Scenario[] = Object.entries(RESTORE_KILLS).map(([name, kill]) => restoreCrash(name, kill));
