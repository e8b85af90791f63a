import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runMigrations } from '../../../src/db/migrations/runner';
import { COTTON_SCHEMA } from '../../../test/support/cotton-schema';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { MIGRATIONS_PATH } from '../index';
import { isCottonDatabaseEmpty, wipeDatabase } from './database-state';
import { USER_SCHEMAS } from './sql';

describe("Cotton's rule for an empty database (COTTON.md §5)", () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase('rsempty');
  });
  afterEach(() => db.drop());

  const migration = `INSERT INTO "__EFMigrationsHistory" VALUES ('20260101000000_Initial', '9.0.0')`;
  const user = `INSERT INTO users (id, username, role) VALUES (gen_random_uuid(), 'u', 1)`;
  const settings = `INSERT INTO server_settings VALUES (gen_random_uuid(), 'UTC', gen_random_uuid())`;

  it('a blank database, and one holding only our schemas and pg-boss’s, is empty', async () => {
    expect(await isCottonDatabaseEmpty(db.pool)).toBe(true);
    await runMigrations(db.pool, [{ plugin: 'backup', path: MIGRATIONS_PATH }]);
    await db.pool.query('CREATE SCHEMA pgboss; CREATE TABLE pgboss.job (id int)');
    expect(await isCottonDatabaseEmpty(db.pool)).toBe(true);
  });

  it.each([
    ['tables, no rows', [], true],
    ['users but no applied migrations', [user], true],
    ['settings but no applied migrations', [settings], true],
    ['migrations but no user and no settings', [migration], true],
    ['migrations and a user', [migration, user], false],
    ['migrations and settings', [migration, settings], false],
  ])('Cotton tables with %s: empty = %s', async (_name, inserts, empty) => {
    await db.pool.query(COTTON_SCHEMA);
    for (const sql of inserts as string[]) await db.pool.query(sql);
    expect(await isCottonDatabaseEmpty(db.pool)).toBe(empty);
  });

  it('wipeDatabase leaves nothing but an empty public schema', async () => {
    await db.pool.query(COTTON_SCHEMA);
    await runMigrations(db.pool, [{ plugin: 'backup', path: MIGRATIONS_PATH }]);
    await wipeDatabase(db.pool);
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')");
    expect(rows[0].n).toBe(0);
    await db.pool.query('CREATE TABLE public.t (x int)'); // usable again
  });

  it('drops the half-restored marker last, so a wipe cut short still leaves it', async () => {
    await db.pool.query('CREATE SCHEMA zzz; CREATE SCHEMA cotton_restore_in_progress; CREATE SCHEMA aaa');
    const { rows } = await db.pool.query<{ name: string }>(USER_SCHEMAS);
    expect(rows.at(-1)!.name).toBe('cotton_restore_in_progress');
  });
});
