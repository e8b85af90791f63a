import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminQuery } from '../../../test/support/database';
import { createHostFixture, servedBackupOf, type HostFixture } from '../../../test/support/host-fixture';

/**
 * Issue 27 point 9: request_checkpoint() used to run with the caller's rights, so a caller needed
 * INSERT on cotton_backup.events, and with it could forge any event. Now a role with EXECUTE on the
 * function (and USAGE on the schema) can ask for a checkpoint and nothing else.
 */
describe('cotton_backup.request_checkpoint() for a role with EXECUTE only', () => {
  let f: HostFixture;
  const role = `ev9_cp_${randomBytes(4).toString('hex')}`;
  const bystander = `${role}_no`;
  const as = async (user: string) => {
    const c = new pg.Client({ host: f.db.env.COTTON_PG_HOST, port: Number(f.db.env.COTTON_PG_PORT), user, database: f.db.name });
    await c.connect();
    return c;
  };

  beforeAll(async () => {
    f = await createHostFixture('trdef');
    await f.startHost();
    await adminQuery(`CREATE ROLE ${role} LOGIN; CREATE ROLE ${bystander} LOGIN`);
    // The grant the README gives.
    await f.db.pool.query(`GRANT USAGE ON SCHEMA cotton_backup TO ${role}, ${bystander}`);
    await f.db.pool.query(`GRANT EXECUTE ON FUNCTION cotton_backup.request_checkpoint(text) TO ${role}`);
  });
  afterAll(async () => {
    await f.db.pool.query(`REVOKE ALL ON SCHEMA cotton_backup FROM ${role}, ${bystander}`).catch(() => undefined);
    await f.db.pool.query(`REVOKE ALL ON FUNCTION cotton_backup.request_checkpoint(text) FROM ${role}`).catch(() => undefined);
    await f.db.pool.query(`REVOKE ALL ON cotton_backup.checkpoint_requests FROM ${role}`).catch(() => undefined);
    await f.cleanup();
    await adminQuery(`DROP ROLE IF EXISTS ${role}; DROP ROLE IF EXISTS ${bystander}`);
  });

  // Covers issue 27 point 9b, a fix in SQL alone (migration 010): listed sqlOnly in test/mutation/hardening-reverts.ts.
  it('is served and recorded as that session_user, with source sql whatever the reason says', async () => {
    const c = await as(role);
    let id: string;
    try {
      id = (await c.query('SELECT cotton_backup.request_checkpoint($1)::text AS id', ['nightly", "source": "api", "requestedBy": "admin'])).rows[0].id;
    } finally {
      await c.end();
    }
    await servedBackupOf(f.db.pool, id);
    // The README's optional grant: the view runs with its owner's rights, events stay closed.
    await f.db.pool.query(`GRANT SELECT ON cotton_backup.checkpoint_requests TO ${role}`);
    const follow = await as(role);
    try {
      expect((await follow.query('SELECT status, requested_by FROM cotton_backup.checkpoint_requests WHERE request_id = $1', [id])).rows).toEqual([
        { status: 'served', requested_by: role },
      ]);
      await expect(follow.query('SELECT 1 FROM cotton_backup.events LIMIT 1')).rejects.toThrow(/permission denied/);
    } finally {
      await follow.end();
    }
    const { rows } = await f.db.pool.query(`SELECT data FROM cotton_backup.events WHERE stream_id = $1`, [`request-${id}`]);
    expect(rows).toHaveLength(1);
    expect(rows[0].data).toMatchObject({ source: 'sql', requestedBy: role, reason: 'nightly", "source": "api", "requestedBy": "admin' });
  });

  it('cannot INSERT into events, nor call the store append functions', async () => {
    const c = await as(role);
    try {
      await expect(
        c.query(`INSERT INTO cotton_backup.events (stream_id, stream_version, type, data) VALUES ('request-x', 1, 'BackupRequested', '{}')`),
      ).rejects.toThrow(/permission denied/);
      await expect(
        c.query(`SELECT cotton_backup.append_event('request-y', 0, 'BackupRequested', '{"requestId":"00000000-0000-0000-0000-000000000000","source":"api","reason":"","requestedBy":"admin"}')`),
      ).rejects.toThrow(/permission denied/);
    } finally {
      await c.end();
    }
  });

  it('is refused to a role without the grant: EXECUTE is not PUBLIC', async () => {
    const c = await as(bystander);
    try {
      await expect(c.query('SELECT cotton_backup.request_checkpoint($1)', ['no grant'])).rejects.toThrow(/permission denied for function request_checkpoint/);
    } finally {
      await c.end();
    }
  });

  it('is SECURITY DEFINER with a pinned search_path, and has no overload taking a source', async () => {
    const { rows } = await f.db.pool.query(`
      SELECT p.prosecdef, p.proconfig, pg_get_function_identity_arguments(p.oid) AS args
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = 'cotton_backup' AND p.proname = 'request_checkpoint'`);
    expect(rows).toEqual([{ prosecdef: true, proconfig: ['search_path=pg_catalog, pg_temp'], args: 'reason text' }]);
  });
});
