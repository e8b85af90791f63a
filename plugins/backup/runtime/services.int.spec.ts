import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config';
import { createBackupFixture, type BackupFixture } from '../../../test/support/backup-fixture';
import { runBackup } from '../take-backup/run-backup';
import { createBackupServices } from './services';

describe('the steps after a backup', () => {
  let f: BackupFixture;
  let offsite: string;
  beforeAll(async () => {
    f = await createBackupFixture('bkafter');
    offsite = await mkdtemp(join(tmpdir(), 'bkafter-offsite-'));
  });
  afterAll(async () => {
    await f.cleanup();
    await rm(offsite, { recursive: true, force: true });
  });

  it('a retention that fails is logged as retention, and the copy to the targets still runs', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'error' }, new Writable({ write: (chunk, _e, done) => void (lines.push(String(chunk)), done()) }));
    const config = loadConfig({ ...f.env, COTTON_BACKUP_COPIES: `offsite=file://${offsite}` });
    const services = createBackupServices({ config, pool: f.db.pool, storage: f.storage, masterEncryptionKey: f.masterEncryptionKey, clock: { now: () => new Date() }, logger });
    services.retention.timeZone = () => Promise.reject(new Error('time zone unreadable'));
    try {
      const outcome = await runBackup(services.backup);
      const logged = lines.map((l) => JSON.parse(l) as { msg: string; err: string; backupId: string });
      expect(logged).toEqual([expect.objectContaining({ msg: 'after the backup: retention could not run', err: 'time zone unreadable', backupId: outcome.backupId })]);
      const copied = await f.db.pool.query('SELECT target, backup_id::text FROM cotton_backup.copied_backups');
      expect(copied.rows).toEqual([{ target: 'offsite', backup_id: outcome.backupId }]);
    } finally {
      await services.coordinator.stop(0);
    }
  });
});
