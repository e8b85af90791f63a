import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackupFixture, type BackupFixture } from '../../../test/support/backup-fixture';
import { setFailpoints } from '../core/failpoints';
import { runBackup } from '../take-backup/run-backup';
import { createMetricsRegistry } from './metrics-registry';

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('the failure and repository series, from the record', () => {
  let f: BackupFixture;
  beforeAll(async () => {
    f = await createBackupFixture('failmetrics');
  });
  afterAll(async () => {
    setFailpoints(undefined);
    await f?.cleanup();
  });

  it('a failed backup sets the last failure time; a later success leaves it and fills the repository', async () => {
    const metrics = createMetricsRegistry(f.db.pool);
    const started = Math.floor(Date.now() / 1000);
    setFailpoints('backup.afterStarted=throw');
    await expect(runBackup({ ...f.services.backup, afterBackup: undefined })).rejects.toThrow(/failpoint/);
    setFailpoints(undefined);
    let text = await metrics.scrape();
    const failedAt = sample(text, 'cotton_backup_last_failure_timestamp_seconds')!;
    expect(failedAt).toBeGreaterThanOrEqual(started);
    expect(sample(text, 'cotton_backup_latest_verified')).toBeUndefined();
    expect(sample(text, 'cotton_backup_backups{retention="undecided"}')).toBe(0);
    expect(text).toMatch(/^cotton_backup_build_info\{version="[^"]+",commit="unknown"\} 1$/m);

    await runBackup({ ...f.services.backup, afterBackup: undefined });
    text = await metrics.scrape();
    expect(sample(text, 'cotton_backup_last_failure_timestamp_seconds')).toBe(failedAt);
    const { rows } = await f.db.pool.query("SELECT stored_bytes_written::float8 AS stored FROM cotton_backup.backup_history WHERE status = 'succeeded'");
    expect(rows[0].stored).toBeGreaterThan(0);
    expect(sample(text, 'cotton_backup_repository_stored_bytes')).toBe(rows[0].stored);
    expect(sample(text, 'cotton_backup_backups{retention="undecided"}')).toBe(1); // retention did not run (no afterBackup)
    expect(sample(text, 'cotton_backup_latest_verified')).toBe(0);
  });
});
