import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCottonDatabase } from '../../../../test/support/cotton-schema';
import { createTestDatabase, testServer, type TestDatabase } from '../../../../test/support/database';
import { runCliCaptured } from '../../../../test/support/cli';
import { withFailingPgTool } from '../../../../test/support/failing-pg-tool';
import { PENDING_REQUESTS } from '../../requests/sql';
import { createBackupFixture, type BackupFixture } from '../../../../test/support/backup-fixture';

// The lock a running backup holds (take-backup/backup-lock.ts): "CTNB", 1.
const LOCK_CLASS = 0x43544e42;

describe('cotton-backup backup while another backup holds the lock', () => {
  let f: BackupFixture;
  let holder: pg.Client;
  // The same lock held in another database: pg_locks lists it too, but it is not this backup's business.
  let elsewhere: TestDatabase;
  let decoy: pg.Client;
  const backup = () =>
    runCliCaptured(f.env, 'backup', '--json');

  beforeAll(async () => {
    f = await createBackupFixture('clibusy');
    await seedCottonDatabase(f.db.pool);
    holder = new pg.Client({ ...testServer, database: f.db.name, application_name: 'the other backup' });
    await holder.connect();
    elsewhere = await createTestDatabase('clibusy_else');
    decoy = new pg.Client({ ...testServer, database: elsewhere.name, application_name: 'a backup elsewhere' });
    await decoy.connect();
    await decoy.query('SELECT pg_advisory_lock($1, 1)', [LOCK_CLASS]);
  });
  afterAll(async () => {
    await holder?.end();
    await decoy?.end();
    await elsewhere?.drop();
    await f?.cleanup();
  });

  it('exits 3 naming who holds it, starts nothing, and succeeds once the lock is free', async () => {
    await holder.query('SELECT pg_advisory_lock($1, 1)', [LOCK_CLASS]);
    const busy = await backup();
    expect(busy.code).toBe(3);
    // --json: the error is JSON on stderr, with the error family's code.
    const error = (JSON.parse(busy.stderr) as { error: { code: string; message: string; exitCode: number } }).error;
    expect(error).toMatchObject({ code: 'BACKUP_ALREADY_RUNNING', exitCode: 3 });
    expect(error.message).toMatch(new RegExp(`^a backup of database "${f.db.name}" is already running \\(PostgreSQL backend pid \\d+, the other backup from [^)]*\\); this request waits for the next run$`));
    const started = await f.db.pool.query("SELECT count(*)::int AS n FROM cotton_backup.events WHERE type = 'BackupStarted'");
    expect(started.rows[0].n).toBe(0);

    await holder.query('SELECT pg_advisory_unlock($1, 1)', [LOCK_CLASS]);
    const free = await backup();
    expect(free.code, free.stderr).toBe(0);
    expect(JSON.parse(free.stdout)).toMatchObject({ backupId: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });
});

describe('cotton-backup backup that fails', () => {
  let f: BackupFixture;
  beforeAll(async () => {
    f = await createBackupFixture('clifail');
    await seedCottonDatabase(f.db.pool);
  });
  afterAll(() => f?.cleanup());

  it('says that its durable request stays open, and it does: a running host would serve it', async () => {
    const failed = await withFailingPgTool('pg_dump', 'server closed the connection', () => runCliCaptured(f.env, 'backup'));
    expect(failed.code).toBe(1);
    const pending = (await f.db.pool.query<{ request_id: string }>(PENDING_REQUESTS)).rows.map((r) => r.request_id);
    expect(pending).toHaveLength(1);
    expect(failed.stderr.trim()).toMatch(
      new RegExp(`^cotton-backup: pg_dump exited with 1: .*server closed the connection.*; request ${pending[0]} stays open: a running host \\(\`serve\`\\) retries it \\(1 of 3 attempts failed\\)$`),
    );
    const again = await withFailingPgTool('pg_dump', 'server closed the connection', () => runCliCaptured(f.env, 'backup', '--json'));
    const error = (JSON.parse(again.stderr) as { error: { code: string; message: string; exitCode: number } }).error;
    expect(error).toMatchObject({ code: 'PG_TOOL_FAILED', exitCode: 1 });
    expect(error.message).toMatch(/; request [0-9a-f-]{36} stays open: .*\(1 of 3 attempts failed\)$/);
  });
});
