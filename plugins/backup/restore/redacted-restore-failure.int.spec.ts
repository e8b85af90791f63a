import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCottonDatabase } from '../../../test/support/cotton-schema';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { withFailingPgTool } from '../../../test/support/failing-pg-tool';
import { runBackup } from '../take-backup/run-backup';
import { connectionTarget } from '../runtime/services';
import { createBackupFixture, TEST_MASTER_KEY, type BackupFixture } from '../../../test/support/backup-fixture';
import { restoreBackup, RestoreAbortedError } from './restore-backup';

// Trust authentication ignores it; it is configured so that it is a secret to keep out of events.
const PASSWORD = 'rsredact-db-password-7a2d0c';

describe('a restore whose pg_restore fails quoting secrets', () => {
  let f: BackupFixture;
  let target: TestDatabase;
  beforeAll(async () => {
    f = await createBackupFixture('rsredact', { COTTON_PG_PASSWORD: PASSWORD });
    await seedCottonDatabase(f.db.pool);
    await runBackup(f.services.backup);
    target = await createTestDatabase('rsredact_t');
    target.pool.on('error', () => undefined);
  });
  afterAll(async () => {
    await target?.drop();
    await f?.cleanup();
  });

  it('records RestoreFailed with the password and the master key redacted', async () => {
    const ctx = f.services.restoreContext(connectionTarget(f.config, target.name), target.pool);
    // Stands for any tool message that quotes a secret; the failing pg_restore adds the password it was given.
    const error = await withFailingPgTool('pg_restore', `connection to server failed for key ${TEST_MASTER_KEY}`, () =>
      restoreBackup(ctx, { trigger: 'cli' }).then(
        () => undefined,
        (e: unknown) => e,
      ),
    );
    expect(error).toBeInstanceOf(RestoreAbortedError);
    const events = (error as RestoreAbortedError).events;
    expect(events.map((e) => e.type)).toEqual(['RestoreStarted', 'Verified', 'RestoreFailed']);
    expect(events[2]!.data).toMatchObject({
      step: 'pg_restore',
      message: 'pg_restore exited with 1: pg_restore: error: connection to server failed for key [REDACTED] (password "[REDACTED]")',
    });
    const text = JSON.stringify(events);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(TEST_MASTER_KEY);
  });
});
