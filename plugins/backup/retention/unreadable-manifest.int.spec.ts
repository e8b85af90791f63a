import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectSegments } from '../../../src/storage/backend/layout';
import { createBackupFixture, type BackupFixture } from '../../../test/support/backup-fixture';
import { eventsOfType } from '../../../test/support/host-fixture';
import { createMetricsRegistry } from '../metrics/metrics-registry';
import { runBackup } from '../take-backup/run-backup';
import { applyRetention } from './apply-retention';

const KEEP_LAST_3 = { COTTON_BACKUP_KEEP_LAST: '3', COTTON_BACKUP_KEEP_DAILY: '0', COTTON_BACKUP_KEEP_WEEKLY: '0', COTTON_BACKUP_KEEP_MONTHLY: '0' };

describe('a kept backup whose manifest retention cannot read', () => {
  let f: BackupFixture;
  let older: { backupId: string; manifestKey: string };
  const manifestFile = () => join(f.root, 'files', ...objectSegments(older.manifestKey));
  const unreadableGauge = async () => {
    const line = (await createMetricsRegistry(f.db.pool).scrape()).split('\n').find((l) => l.startsWith('cotton_backup_unreadable_manifests '));
    return line === undefined ? undefined : Number(line.split(' ')[1]);
  };

  beforeAll(async () => {
    f = await createBackupFixture('unrd', KEEP_LAST_3);
    older = await runBackup(f.services.backup);
    await runBackup(f.services.backup);
    await applyRetention(f.services.retention);
  });
  afterAll(() => f.cleanup());

  it('is 0 on the gauge while every manifest reads', async () => {
    expect(await unreadableGauge()).toBe(0);
  });

  it('is recorded once as ManifestUnreadable, however many runs see it, and counted by the gauge', async () => {
    await rename(manifestFile(), `${manifestFile()}.away`);
    const report = await applyRetention(f.services.retention);
    expect(report.protection!.unreadable.map((u) => u.backupId)).toEqual([older.backupId]);
    await applyRetention(f.services.retention);
    const events = await eventsOfType(f.db.pool, 'ManifestUnreadable');
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ backupId: older.backupId, manifestKey: older.manifestKey });
    expect(String(events[0]!.data.problem)).not.toBe('');
    expect(await unreadableGauge()).toBe(1);
  });

  it('reading again is recorded as ManifestReadable and clears the gauge', async () => {
    await rename(`${manifestFile()}.away`, manifestFile());
    await applyRetention(f.services.retention);
    await applyRetention(f.services.retention);
    expect(await eventsOfType(f.db.pool, 'ManifestReadable')).toHaveLength(1);
    expect(await unreadableGauge()).toBe(0);
  });
});
