import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pointerStorageKey } from '../../../src/keys/keys';
import { adminQuery } from '../../../test/support/database';
import { seedCottonDatabase } from '../../../test/support/cotton-schema';
import { runBackup } from '../take-backup/run-backup';
import { readStream } from '../events';
import { readManifest, readPointer, writeManifest, writePointer } from '../repository/manifest-store';
import { DRILL_FAILED_TITLE } from '../notifications/drill-failed';
import { createBackupFixture, type BackupFixture } from '../../../test/support/backup-fixture';
import { drillContext } from '../runtime/drill-context';
import { DrillAlreadyRunningError, runDrill } from './run-drill';
import { scratchMarker } from './scratch-database';
import { TRY_DRILL_LOCK, DRILL_UNLOCK } from './sql';

describe('restore drills against real PostgreSQL', () => {
  let f: BackupFixture;
  beforeAll(async () => {
    f = await createBackupFixture('drill');
    await seedCottonDatabase(f.db.pool, 1);
  });
  afterAll(() => f.cleanup());

  const databaseExists = async (name: string) =>
    (await f.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_database WHERE datname = $1', [name])).rows[0]!.n === 1;

  it('passes when every table, extension and EF migration comes back as dumped, and drops its scratch database', async () => {
    const backup = await runBackup(f.services.backup);
    const report = await runDrill(drillContext(f.services), { trigger: 'cli' });
    expect(report.passed).toBe(true);
    expect(report.backupId).toBe(backup.backupId);
    expect(report.problems).toEqual([]);
    expect(report.tables.find((t) => t.table === 'public.users')).toEqual({ table: 'public.users', expected: 3, actual: 3, ok: true });
    expect(report.tables.find((t) => t.table === 'public.__EFMigrationsHistory')?.actual).toBe(2);
    expect(report.scratchDatabase).toMatch(new RegExp(`^${f.db.name}_drill_[0-9a-f]{8}$`));
    expect(await databaseExists(report.scratchDatabase)).toBe(false);
    const events = await readStream(f.db.pool, `drill-${report.drillId}`);
    expect(events.map((e) => e.type)).toEqual(['DrillStarted', 'DrillPassed']);
    expect(events[1]!.data).toMatchObject({ backupId: backup.backupId, tables: report.tables.length });
  });

  it('fails on a tampered count, naming the table, tells the admins, and still drops the scratch database', async () => {
    const pointerKey = pointerStorageKey(f.masterEncryptionKey);
    const pointer = (await readPointer(f.storage, pointerKey))!;
    const manifest = await readManifest(f.storage, pointer.latestManifestStorageKey);
    const tampered = {
      ...manifest,
      sourceState: {
        ...manifest.sourceState!,
        tables: manifest.sourceState!.tables.map((t) => (t.table === 'users' ? { ...t, rows: t.rows + 1 } : t)),
      },
    };
    const tamperedKey = await writeManifest(f.storage, tampered);
    await writePointer(f.storage, pointerKey, { ...pointer, latestManifestStorageKey: tamperedKey });
    try {
      const report = await runDrill(drillContext(f.services), { trigger: 'cli' });
      expect(report.passed).toBe(false);
      expect(report.problems).toEqual([{ problem: 'row_count', subject: 'public.users', expected: '4', actual: '3' }]);
      expect(await databaseExists(report.scratchDatabase)).toBe(false);
      const events = await readStream(f.db.pool, `drill-${report.drillId}`);
      expect(events.map((e) => e.type)).toEqual(['DrillStarted', 'DrillFailed', 'AdminsNotified']);
      expect(events[1]!.data).toMatchObject({ manifestKey: tamperedKey, problems: [{ subject: 'public.users' }] });
      const notices = await f.db.pool.query('SELECT content FROM notifications WHERE title = $1', [DRILL_FAILED_TITLE]);
      expect(notices.rows).toHaveLength(2); // both admins
      expect(notices.rows[0].content).toContain('public.users');
    } finally {
      await writePointer(f.storage, pointerKey, pointer);
    }
  });

  it('fails when the backup cannot be restored (a chunk is gone), and drops the scratch database', async () => {
    const backup = await runBackup(f.services.backup);
    const manifest = await readManifest(f.storage, backup.manifestKey);
    await rm(f.storage.objectPath(manifest.chunks.at(-1)!.storageKey));
    const report = await runDrill(drillContext(f.services), { trigger: 'cli', backupId: backup.backupId });
    expect(report.passed).toBe(false);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatchObject({ problem: 'restore_failed' });
    expect(report.problems[0]!.subject).toMatch(/chunk/i);
    expect(await databaseExists(report.scratchDatabase)).toBe(false);
  });

  it('sweeps only the leftovers of its own crashed drills: exact name and our marker', async () => {
    const source = f.db.name;
    const crashedId = 'deadbeef-0000-4000-8000-000000000001';
    const crashed = `${source}_drill_deadbeef`;
    const unmarked = `${source}_drill_cafebabe`;
    const otherSource = `${source}_drill_0badf00d`;
    await adminQuery(`CREATE DATABASE "${crashed}"`);
    await adminQuery(`COMMENT ON DATABASE "${crashed}" IS '${scratchMarker(source, crashedId)}'`);
    await adminQuery(`CREATE DATABASE "${unmarked}"`);
    await adminQuery(`CREATE DATABASE "${otherSource}"`);
    await adminQuery(`COMMENT ON DATABASE "${otherSource}" IS '${scratchMarker('someone_else', '0badf00d-0000-4000-8000-000000000001')}'`);
    try {
      await runBackup(f.services.backup); // the previous test damaged the latest backup
      const report = await runDrill(drillContext(f.services), { trigger: 'schedule' });
      expect(report.sweptLeftovers).toEqual([crashed]);
      expect(await databaseExists(crashed)).toBe(false);
      expect(await databaseExists(unmarked)).toBe(true);
      expect(await databaseExists(otherSource)).toBe(true);
      const swept = await readStream(f.db.pool, `drill-${crashedId}`);
      expect(swept.map((e) => e.data)).toEqual([{ scratchDatabase: crashed, drillId: crashedId }]);
    } finally {
      for (const name of [crashed, unmarked, otherSource]) await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }
  });

  it('refuses a second drill while one holds the lock', async () => {
    const client = await f.db.pool.connect();
    try {
      await client.query(TRY_DRILL_LOCK);
      await expect(runDrill(drillContext(f.services), { trigger: 'cli' })).rejects.toThrow(DrillAlreadyRunningError);
    } finally {
      await client.query(DRILL_UNLOCK);
      client.release();
    }
  });
});
