import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminQuery, createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { readEventsToCarry } from './carry-over-events';

/** Issue 10: a database judged empty may hold a `cotton_backup.events` someone else made; it is never read. */
describe('readEventsToCarry', () => {
  let db: TestDatabase;
  const role = `rcarry_${randomBytes(4).toString('hex')}`;
  beforeAll(async () => {
    db = await createTestDatabase('carry');
    await adminQuery(`CREATE ROLE ${role}`);
  });
  afterAll(async () => {
    await db?.drop();
    await adminQuery(`DROP ROLE IF EXISTS ${role}`);
  });

  it('ignores an event store in a schema another role owns (its view could run their functions as us)', async () => {
    await db.pool.query(`GRANT CREATE ON DATABASE "${db.name}" TO ${role}`);
    await db.pool.query(`CREATE TABLE public.trojan_ran (at timestamptz); GRANT INSERT ON public.trojan_ran TO ${role}`);
    await db.pool.query(`SET ROLE ${role};
      CREATE SCHEMA cotton_backup;
      CREATE FUNCTION cotton_backup.trojan() RETURNS text LANGUAGE sql AS 'INSERT INTO public.trojan_ran VALUES (now()) RETURNING ''x''';
      CREATE VIEW cotton_backup.events AS
        SELECT 's' AS stream_id, 1 AS stream_version, 'BackupRequested' AS type, '{}'::jsonb AS data, '{}'::jsonb AS metadata,
               now() AS occurred_at, cotton_backup.trojan() AS t;
      RESET ROLE`);
    try {
      expect(await readEventsToCarry(db.pool)).toEqual([]);
      expect((await db.pool.query('SELECT count(*)::int AS n FROM public.trojan_ran')).rows[0].n).toBe(0);
    } finally {
      await db.pool.query(`DROP SCHEMA cotton_backup CASCADE; REVOKE ALL ON DATABASE "${db.name}" FROM ${role}; REVOKE ALL ON public.trojan_ran FROM ${role}`);
    }
  });
});
