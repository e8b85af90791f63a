import type { Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackupFixture, type BackupFixture } from '../../../test/support/backup-fixture';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { runBackup } from '../take-backup/run-backup';
import { restoreBackup } from './restore-backup';

/** A logger that keeps what was logged (message and fields), for the restore's own account of its steps. */
function keptLogger() {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const at = (level: string) => (fields: Record<string, unknown> | string, msg?: string) =>
    lines.push(typeof fields === 'string' ? { level, msg: fields, fields: {} } : { level, msg: msg ?? '', fields });
  const logger = { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug'), trace: at('trace'), fatal: at('fatal') };
  return { logger: Object.assign(logger, { child: () => logger }) as unknown as Logger, lines };
}

describe('a restore writes the data offsets pg_restore -j needs into the verified dump', () => {
  let fixture: BackupFixture;
  let target: TestDatabase;
  beforeAll(async () => {
    fixture = await createBackupFixture('rofs');
    await fixture.db.pool.query(`CREATE TABLE a AS SELECT g AS id, md5(g::text) AS t FROM generate_series(1, 20000) g;
      CREATE TABLE b AS SELECT g AS id FROM generate_series(1, 5000) g; CREATE TABLE c (id int)`);
    await runBackup(fixture.services.backup);
    target = await createTestDatabase('rofst');
  });
  afterAll(async () => {
    await target?.drop();
    await fixture?.cleanup();
  });

  it('found alongside the verification and written before pg_restore: one per table with data', async () => {
    const { logger, lines } = keptLogger();
    const ctx = { ...fixture.services.restoreContext({ ...fixture.services.backup.target, database: target.name }, target.pool), logger };
    await restoreBackup(ctx, { trigger: 'cli' });
    const written = lines.find((l) => l.msg.startsWith('data offsets written'));
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([]);
    // a, b and the plugin's own tables with rows; c has no rows but still its (empty) data block
    expect(written?.fields).toMatchObject({ notFound: 0, alreadySet: 0 });
    expect(written?.fields.patched).toBeGreaterThanOrEqual(3);
    const { rows } = await target.pool.query('SELECT (SELECT count(*) FROM a) AS a, (SELECT count(*) FROM b) AS b');
    expect(rows[0]).toEqual({ a: '20000', b: '5000' });
  });
});
