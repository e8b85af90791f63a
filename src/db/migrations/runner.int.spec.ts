import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testPool, type TestDatabase } from '../../../test/support/database';
import { MigrationError, readMigrationFiles, runMigrations } from './runner';

let db: TestDatabase;
let root: string;

beforeAll(async () => {
  db = await createTestDatabase('migr');
  root = await mkdtemp(join(tmpdir(), 'cotton-migrations-'));
});

afterAll(async () => {
  await db?.drop();
  await rm(root, { recursive: true, force: true });
});

async function folder(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  await rm(dir, { recursive: true, force: true });
  await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
  return dir;
}

describe('runMigrations', () => {
  it('applies files in version order once, records checksums, and is a no-op the second time', async () => {
    const path = await folder('one', {
      '002_add_label.sql': 'ALTER TABLE one.items ADD COLUMN label text;',
      '001_create.sql': 'CREATE SCHEMA one; CREATE TABLE one.items (id int);',
      'README.md': 'not a migration',
    });
    const first = await runMigrations(db.pool, [{ plugin: 'one', path }]);
    expect(first).toEqual([
      { plugin: 'one', version: 1, name: 'create', applied: true },
      { plugin: 'one', version: 2, name: 'add_label', applied: true },
    ]);
    const rows = await db.pool.query(`SELECT plugin, version, name, checksum FROM cotton_host.schema_migrations WHERE plugin = 'one' ORDER BY version`);
    const files = await readMigrationFiles({ plugin: 'one', path });
    expect(rows.rows).toEqual(files.map((f) => ({ plugin: 'one', version: f.version, name: f.name, checksum: f.checksum })));
    expect(rows.rows[0].checksum).toMatch(/^[0-9a-f]{64}$/);

    const second = await runMigrations(db.pool, [{ plugin: 'one', path }]);
    expect(second.every((o) => !o.applied)).toBe(true);
  });

  it('rolls back a failing file whole and names it', async () => {
    const path = await folder('two', {
      '001_ok.sql': 'CREATE TABLE two_ok (id int);',
      '002_bad.sql': 'CREATE TABLE two_partial (id int); SELECT no_such_function();',
    });
    await expect(runMigrations(db.pool, [{ plugin: 'two', path }])).rejects.toThrow(/plugin two: migration 002_bad.sql failed/);
    const partial = await db.pool.query(`SELECT to_regclass('two_partial')::text AS t`);
    expect(partial.rows[0].t).toBeNull();
    const applied = await db.pool.query(`SELECT version FROM cotton_host.schema_migrations WHERE plugin = 'two'`);
    expect(applied.rows).toEqual([{ version: 1 }]);
  });

  it('refuses an applied file whose content changed, naming plugin and file', async () => {
    const path = await folder('three', { '001_create.sql': 'CREATE TABLE three (id int);' });
    await runMigrations(db.pool, [{ plugin: 'three', path }]);
    await writeFile(join(path, '001_create.sql'), 'CREATE TABLE three (id bigint);');
    const error = await runMigrations(db.pool, [{ plugin: 'three', path }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(/plugin three: migration 001_create.sql changed after it was applied/);
  });

  it('refuses a database with an applied migration whose file is missing', async () => {
    const path = await folder('four', { '001_a.sql': 'SELECT 1;', '002_b.sql': 'SELECT 2;' });
    await runMigrations(db.pool, [{ plugin: 'four', path }]);
    await unlink(join(path, '002_b.sql'));
    await expect(runMigrations(db.pool, [{ plugin: 'four', path }])).rejects.toThrow(/plugin four: migration 002_b.sql was applied .* missing/);
  });

  it('rejects badly named and duplicate-version files', async () => {
    const bad = await folder('five', { 'create.sql': 'SELECT 1;' });
    await expect(runMigrations(db.pool, [{ plugin: 'five', path: bad }])).rejects.toThrow(/plugin five: migration file create.sql does not match/);
    const dup = await folder('six', { '001_a.sql': 'SELECT 1;', '001_b.sql': 'SELECT 1;' });
    await expect(runMigrations(db.pool, [{ plugin: 'six', path: dup }])).rejects.toThrow(/001_a.sql and 001_b.sql share version 1/);
  });

  it('applies once when several runners start at the same time', async () => {
    const path = await folder('seven', {
      // Not idempotent: a second application would fail on the existing table.
      '001_create.sql': 'CREATE TABLE seven (id int); SELECT pg_sleep(0.2);',
      '002_insert.sql': 'INSERT INTO seven VALUES (1);',
    });
    const pools = Array.from({ length: 4 }, () => testPool(db.name, 1));
    try {
      const results = await Promise.all(pools.map((p) => runMigrations(p, [{ plugin: 'seven', path }])));
      const appliedCount = results.flat().filter((o) => o.applied).length;
      expect(appliedCount).toBe(2);
      const rows = await db.pool.query('SELECT count(*)::int AS n FROM seven');
      expect(rows.rows[0].n).toBe(1);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });
});
