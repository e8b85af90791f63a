import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testServer, type TestDatabase } from '../../../test/support/database';
import { startPgDump } from './pg-dump';
import { runPgRestore } from './pg-restore';
import { openDumpSnapshot } from './row-counts';

/**
 * The counts are the dump's own: rows committed after the snapshot was exported are in neither
 * the counts nor the dump, even though pg_dump starts after they are committed.
 */
describe('row counts in the dump’s own snapshot', () => {
  let source: TestDatabase;
  let restored: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    source = await createTestDatabase('rowcnt');
    restored = await createTestDatabase('rowcnt_to');
    dir = await mkdtemp(join(tmpdir(), 'rowcnt-'));
    await source.pool.query(`
      CREATE EXTENSION hstore;
      CREATE TABLE "__EFMigrationsHistory" ("MigrationId" varchar(150) PRIMARY KEY, "ProductVersion" varchar(32) NOT NULL);
      INSERT INTO "__EFMigrationsHistory" VALUES ('20260102_Second', '9.0'), ('20260101_Initial', '9.0');
      CREATE SCHEMA "Odd ""Schema""";
      CREATE TABLE "Odd ""Schema"""."Mixed Case" (x int);
      INSERT INTO "Odd ""Schema"""."Mixed Case" SELECT generate_series(1, 7);
      CREATE TABLE items (id int);
      INSERT INTO items SELECT generate_series(1, 1000);
      CREATE SCHEMA pgboss; CREATE TABLE pgboss.job (id int);`);
  });
  afterAll(async () => {
    await source.drop();
    await restored.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('counts what pg_dump dumps, not what was committed after the snapshot', async () => {
    const snapshot = await openDumpSnapshot(source.pool);
    await source.pool.query('INSERT INTO items SELECT generate_series(1001, 1500)');
    const file = join(dir, 'dump');
    const dump = startPgDump({ ...testServer, database: source.name }, undefined, snapshot.id);
    const [counted] = await Promise.all([snapshot.countWhile(dump.done), pipeline(dump.stdout, createWriteStream(file)), dump.done]);

    expect(counted.state.tables).toEqual([
      { schema: 'Odd "Schema"', table: 'Mixed Case', rows: 7 },
      { schema: 'public', table: '__EFMigrationsHistory', rows: 2 },
      { schema: 'public', table: 'items', rows: 1000 },
    ]);
    expect(counted.state.extensions.map((e) => e.name)).toEqual(['hstore', 'plpgsql']);
    expect(counted.state.efMigrations).toEqual(['20260101_Initial', '20260102_Second']);
    expect(counted.counters).toBe(1);

    await restored.pool.query('CREATE EXTENSION hstore');
    await runPgRestore({ ...testServer, database: restored.name }, file);
    const { rows } = await restored.pool.query('SELECT count(*)::int AS n FROM items');
    expect(rows[0].n).toBe(1000);
    // Nothing stays open: the snapshot's transaction ended with the dump.
    const open = await source.pool.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND state LIKE 'idle in transaction%'", [source.name]);
    expect(open.rows[0].n).toBe(0);
  });

  it('a second counter joins the same snapshot when the data is large enough', async () => {
    const snapshot = await openDumpSnapshot(source.pool, 0); // every size counts as large
    // Into every table: whichever connection counts which table, a count outside the snapshot shows.
    await source.pool.query(`INSERT INTO items SELECT generate_series(1, 250); INSERT INTO "Odd ""Schema"""."Mixed Case" VALUES (8);
      INSERT INTO "__EFMigrationsHistory" VALUES ('20260103_Third', '9.0')`);
    const counted = await snapshot.countWhile(Promise.resolve());
    expect(counted.counters).toBe(2);
    const rows = Object.fromEntries(counted.state.tables.map((t) => [`${t.schema}.${t.table}`, t.rows]));
    expect(rows).toEqual({ 'Odd "Schema".Mixed Case': 7, 'public.__EFMigrationsHistory': 2, 'public.items': 1500 });
  });

  it('records null EF migrations for a database without Cotton’s history table', async () => {
    const other = await createTestDatabase('rowcnt_noef');
    try {
      const snapshot = await openDumpSnapshot(other.pool);
      const counted = await snapshot.countWhile(Promise.resolve());
      expect(counted.state).toEqual({ tables: [], extensions: [{ name: 'plpgsql', version: expect.any(String) }], efMigrations: null });
    } finally {
      await other.drop();
    }
  });
});
