import { fail, ok, warn, type Check, type CheckLine } from './check-line';
import { BACKUP_SCHEMA_PRESENT, CHECKPOINT_RIGHTS, CURRENT_ROLE } from './sql';

/**
 * The database answers, the plugin's schema is there, and each role COTTON_BACKUP_NOTIFY_ROLES
 * names (the callers request_checkpoint() is granted to, migration 010) may call it.
 * REPLICATION is for point-in-time recovery, which does not exist yet: reported, never required.
 */
export const databaseCheck: Check = {
  name: 'database',
  needs: ['configuration'],
  async run(env) {
    const pool = env.pool();
    let who: { role: string; version: string };
    try {
      who = (await pool.query<{ role: string; version: string }>(CURRENT_ROLE)).rows[0]!;
    } catch (error) {
      const c = env.config().database;
      return [fail('database', `unreachable at ${c.host}:${c.port}/${c.database}: ${(error as Error).message}`, 'start PostgreSQL, or correct COTTON_PG_HOST, COTTON_PG_PORT, COTTON_PG_DATABASE, COTTON_PG_USERNAME and COTTON_PG_PASSWORD')];
    }
    const lines: CheckLine[] = [];
    const schema = (await pool.query<{ present: boolean }>(BACKUP_SCHEMA_PRESENT)).rows[0]?.present;
    lines.push(
      schema
        ? ok('database', `reachable as ${who.role} (PostgreSQL ${who.version}), schema cotton_backup present`)
        : warn('database', `reachable as ${who.role} (PostgreSQL ${who.version}), but schema cotton_backup is missing`, 'start the host once (`cotton-backup serve`) or run any command that writes (`cotton-backup backup`): it creates the schema'),
    );
    lines.push(schema ? await checkpointRights(env.settings().notify.roles) : warn('database rights', 'not checked: schema cotton_backup is missing', 'create the schema first (see the line above)'));
    lines.push(ok('database replication', 'REPLICATION not needed yet (no point-in-time recovery)'));
    return lines;

    async function checkpointRights(roles: string[] | undefined): Promise<CheckLine> {
      if (!roles || roles.length === 0) return ok('database rights', `no role named in COTTON_BACKUP_NOTIFY_ROLES: request_checkpoint() is called by its owner ${who.role}`);
      const { rows } = await pool.query<{ role: string | null; usage: boolean | null; execute: boolean | null }>(CHECKPOINT_RIGHTS, [roles]);
      const missing = roles.filter((_, i) => !rows[i]?.role);
      const lacking = rows.filter((r) => r.role && !(r.usage && r.execute)).map((r) => r.role!);
      if (missing.length > 0) return fail('database rights', `COTTON_BACKUP_NOTIFY_ROLES names roles that do not exist: ${missing.join(', ')}`, `create them, or remove them from COTTON_BACKUP_NOTIFY_ROLES`);
      if (lacking.length > 0) {
        return fail('database rights', `may not call cotton_backup.request_checkpoint(): ${lacking.join(', ')}`, lacking.map((r) => `GRANT USAGE ON SCHEMA cotton_backup TO ${r}; GRANT EXECUTE ON FUNCTION cotton_backup.request_checkpoint(text) TO ${r};`).join(' '));
      }
      return ok('database rights', `EXECUTE on cotton_backup.request_checkpoint() for ${roles.join(', ')}`);
    }
  },
};
