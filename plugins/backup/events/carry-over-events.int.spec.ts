import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminQuery, createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { applyEventStoreMigration, exampleEvents } from '../../../test/support/event-store';
import { readEventsToCarry } from './carry-over-events';
import { parseEvent } from './vocabulary';

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

  it('carries a stored event that fails validation as a StoredEventRejected, not as itself (its append would fail the restore)', async () => {
    await applyEventStoreMigration(db.pool);
    try {
      await db.pool.query(`SELECT cotton_backup.append_event('good', 0, 'Restored', $1::jsonb)`, [JSON.stringify(exampleEvents.Restored)]);
      const { rows } = await db.pool.query(`SELECT global_position::text AS p FROM cotton_backup.append_event('good', 1, 'Dumped', '{"bytes": "lots"}')`);
      const carried = await readEventsToCarry(db.pool);
      for (const stream of carried) for (const e of stream.events) expect(() => parseEvent(e.type, e.data)).not.toThrow();
      expect(carried.map((s) => [s.streamId, s.events.map((e) => e.type)])).toEqual([
        ['good', ['Restored']],
        [`stored-event-rejected-${rows[0].p}`, ['StoredEventRejected']],
      ]);
      expect(carried[1]!.events[0]!.data).toMatchObject({ globalPosition: rows[0].p, streamId: 'good', streamVersion: '2', rejectedType: 'Dumped' });
    } finally {
      await db.pool.query('DROP SCHEMA cotton_backup CASCADE');
    }
  });
});
