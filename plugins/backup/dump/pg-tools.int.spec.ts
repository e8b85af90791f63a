import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminQuery, createTestDatabase, dropDatabase, testServer, type TestDatabase } from '../../../test/support/database';
import { startPgDump } from './pg-dump';
import { runPgRestore } from './pg-restore';
import type { ConnectionTarget } from './pg-tools';

/**
 * Database names reach pg_dump/pg_restore as names, never as connection strings: a database
 * literally called `dbname=<other>` is the one dumped and restored into, and <other> is untouched.
 * (The configuration refuses such names; this is the tools' own guarantee beneath that.)
 */
describe('database names reach pg_dump and pg_restore literally', () => {
  let other: TestDatabase;
  let restoreDecoy: TestDatabase;
  let dir: string;
  const literal = (name: string) => `dbname=${name}`;
  const target = (database: string): ConnectionTarget => ({ ...testServer, database });
  const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

  async function query(database: string, sql: string): Promise<pg.QueryResult> {
    const client = new pg.Client({ ...testServer, database });
    await client.connect();
    try {
      return await client.query(sql);
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    other = await createTestDatabase('pgtlit');
    restoreDecoy = await createTestDatabase('pgtlit');
    await other.pool.query('CREATE TABLE other_marker (x int)');
    await restoreDecoy.pool.query('CREATE TABLE decoy_marker (x int)');
    for (const db of [other, restoreDecoy]) await adminQuery(`CREATE DATABASE ${quoted(literal(db.name))}`);
    await query(literal(other.name), "CREATE TABLE literal_marker (x text); INSERT INTO literal_marker VALUES ('from the literal database')");
    dir = await mkdtemp(join(tmpdir(), 'pg-tools-literal-'));
  });

  afterAll(async () => {
    for (const db of [other, restoreDecoy]) {
      await dropDatabase(literal(db.name)).catch(() => undefined);
      await db.drop();
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('dumps the database of that name, not the one its name spells as a connection string', async () => {
    const dump = startPgDump(target(literal(other.name)));
    const file = join(dir, 'literal.dump');
    await pipeline(dump.stdout, createWriteStream(file));
    await dump.done;
    const bytes = await readFile(file, 'latin1');
    expect(bytes).toContain('literal_marker');
    expect(bytes).not.toContain('other_marker');

    await runPgRestore(target(literal(restoreDecoy.name)), file);
    const restored = await query(literal(restoreDecoy.name), 'SELECT x FROM literal_marker');
    expect(restored.rows).toEqual([{ x: 'from the literal database' }]);
    const decoy = await restoreDecoy.pool.query("SELECT to_regclass('public.literal_marker') AS t, to_regclass('public.decoy_marker') AS d");
    expect(decoy.rows[0]).toEqual({ t: null, d: 'decoy_marker' });
  });

  it("quotes a name holding ' and \\ so it cannot end the quoted value", async () => {
    const name = `${other.name} it's\\`;
    await adminQuery(`CREATE DATABASE ${quoted(name)}`);
    try {
      await query(name, 'CREATE TABLE odd_marker (x int)');
      const dump = startPgDump(target(name));
      const chunks: Buffer[] = [];
      for await (const chunk of dump.stdout) chunks.push(chunk as Buffer);
      await dump.done;
      expect(Buffer.concat(chunks).toString('latin1')).toContain('odd_marker');
    } finally {
      await dropDatabase(name);
    }
  });
});
