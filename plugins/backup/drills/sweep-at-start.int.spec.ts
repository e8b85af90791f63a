import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminQuery, dropDatabase } from '../../../test/support/database';
import { cli, createFaultEnv, spawnCli, type FaultEnv } from '../../../test/faults/harness';
import { createScratchDatabaseFor, scratchMarker } from './scratch-database';
import { DRILL_UNLOCK, TRY_DRILL_LOCK } from './sql';

/** Scratch databases of this source carrying our marker, by name. */
async function markedScratchDatabases(f: FaultEnv): Promise<string[]> {
  const { rows } = await f.db.pool.query<{ name: string }>(
    "SELECT datname AS name FROM pg_database WHERE starts_with(datname, $1) AND shobj_description(oid, 'pg_database') LIKE 'cotton-backup restore drill % of ' || $2 ORDER BY 1",
    [`${f.db.name}_drill_`, f.db.name],
  );
  return rows.map((r) => r.name);
}

const exists = async (f: FaultEnv, name: string) => (await f.db.pool.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;

/** `serve` until it serves, then stopped; its stderr (JSON log lines). */
async function serveOnce(f: FaultEnv): Promise<string> {
  const serve = spawnCli(f, ['serve']);
  await serve.waitFor(/"msg":"host serving"/, 90_000);
  serve.killGroup('SIGTERM');
  const result = await serve.done;
  expect(result.code).toBe(0);
  return result.stderr;
}

describe('serve sweeps the scratch databases of drills that were killed', () => {
  let f: FaultEnv;
  // Look-alikes that are not ours to drop: the exact name without our marker, and another source's marker.
  let unmarked: string;
  let otherSource: string;
  const target = () => ({ host: f.env.COTTON_PG_HOST!, port: Number(f.env.COTTON_PG_PORT), user: f.env.COTTON_PG_USERNAME!, password: f.env.COTTON_PG_PASSWORD, database: f.db.name });

  beforeAll(async () => {
    f = await createFaultEnv('swp');
    unmarked = `${f.db.name}_drill_0badf00d`;
    otherSource = `${f.db.name}_drill_cafebabe`;
    await adminQuery(`CREATE DATABASE "${unmarked}"`);
    await adminQuery(`CREATE DATABASE "${otherSource}"`);
    await adminQuery(`COMMENT ON DATABASE "${otherSource}" IS '${scratchMarker('someone_else', 'cafebabe-0000-4000-8000-000000000001')}'`);
    expect((await cli(f, ['backup'])).code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    for (const name of [unmarked, otherSource, ...(await markedScratchDatabases(f))]) await dropDatabase(name);
    await f.cleanup();
  });

  // Kills the revert of issue 27 point 12 (test/mutation/hardening-reverts.ts).
  it('a drill killed with -9 mid-restore leaves its scratch database; the next `serve` drops it and nothing else', async () => {
    const restoring = async () => (await readFile(f.shimLog, 'utf8')).split('\n').some((l) => l.startsWith('ARGV pg_restore') && !l.includes('--version'));
    // pg_restore waits 30 s before it starts: the drill is killed inside its restore step, scratch database made.
    const drill = await cli(f, ['drill'], { env: { FAULT_SHIM_RESTORE_DELAY: '30' }, killWhen: restoring });
    expect(drill.signal).toBe('SIGKILL');
    const left = await markedScratchDatabases(f);
    expect(left).toHaveLength(1);

    const log = await serveOnce(f);
    expect(log).toContain('dropped the scratch database of a restore drill that did not finish');
    expect(await exists(f, left[0]!)).toBe(false);
    expect(await exists(f, unmarked)).toBe(true);
    expect(await exists(f, otherSource)).toBe(true);
    const { rows } = await f.db.pool.query("SELECT data FROM cotton_backup.events WHERE type = 'DrillLeftoverDropped'");
    expect(rows.map((r) => r.data.scratchDatabase)).toEqual(left);
  }, 180_000);

  it('keeps a scratch database while a drill holds the lock (another host), or while a session is connected to it', async () => {
    const drillId = 'feedface-0000-4000-8000-000000000001';
    const scratch = await createScratchDatabaseFor(f.db.pool, target(), drillId);
    await scratch.pool.end(); // left as a crashed drill leaves it: created and marked by the drill's own code
    const lock = new pg.Client({ ...target() });
    await lock.connect();
    try {
      expect((await lock.query(TRY_DRILL_LOCK)).rows[0].locked).toBe(true);
      expect(await serveOnce(f)).toContain('a restore drill is running');
      expect(await exists(f, scratch.name)).toBe(true);
    } finally {
      await lock.query(DRILL_UNLOCK);
      await lock.end();
    }

    const session = new pg.Client({ ...target(), database: scratch.name });
    await session.connect();
    try {
      expect(await serveOnce(f)).toContain('kept the scratch database of a restore drill');
      expect(await exists(f, scratch.name)).toBe(true);
    } finally {
      await session.end();
    }

    await serveOnce(f);
    expect(await exists(f, scratch.name)).toBe(false);
    expect(await exists(f, unmarked)).toBe(true);
    expect(await exists(f, otherSource)).toBe(true);
  }, 180_000);
});
