import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config';
import { runMigrations } from '../../../src/db/migrations/runner';
import { deriveMasterEncryptionKey } from '../../../src/keys/keys';
import { createStorage } from '../../../src/storage/open/create-storage';
import { runBackup } from '../take-backup/run-backup';
import { MIGRATIONS_PATH } from '../index';
import { createBackupServices } from './services';
import { createHostFixture, type HostFixture } from '../../../test/support/host-fixture';
import { RETENTION_CRON } from './retention-schedule';
import { RETENTION_QUEUE } from '../core/queues';

const MASTER_KEY = 'trigger-spec-master-key-0123456x'; // the host fixture's

describe('retention on a running host', () => {
  let f: HostFixture;
  let backupId: string;
  beforeAll(async () => {
    f = await createHostFixture('rts');
    // A backup no retention run has seen yet (as if written while no host ran).
    await runMigrations(f.db.pool, [{ plugin: 'backup', path: MIGRATIONS_PATH }]);
    const config = loadConfig({ ...f.db.env, COTTON_MASTER_KEY: MASTER_KEY, COTTON_STORAGE_PATH: join(f.root, 'files'), COTTON_DATA_PATH: join(f.root, 'data'), COTTON_LOG_LEVEL: 'silent' });
    const masterEncryptionKey = deriveMasterEncryptionKey(MASTER_KEY);
    const storage = createStorage({ root: config.storage.root, masterEncryptionKey });
    const services = createBackupServices({ config, pool: f.db.pool, storage, masterEncryptionKey, clock: { now: () => new Date() } });
    ({ backupId } = await runBackup({ ...services.backup, afterBackup: undefined }));
    await f.startHost();
  });
  afterAll(() => f.cleanup());

  it('applies the policy at start and schedules the hourly pg-boss job', async () => {
    const { rows } = await f.db.pool.query('SELECT retention, retention_rules FROM cotton_backup.backup_history WHERE backup_id = $1', [backupId]);
    expect(rows[0]).toEqual({ retention: 'kept', retention_rules: ['last', 'daily', 'weekly', 'monthly', 'latest'] });
    const schedule = await f.db.pool.query('SELECT cron, timezone FROM pgboss.schedule WHERE name = $1', [RETENTION_QUEUE]);
    expect(schedule.rows).toEqual([{ cron: RETENTION_CRON, timezone: 'UTC' }]);
  });
});
