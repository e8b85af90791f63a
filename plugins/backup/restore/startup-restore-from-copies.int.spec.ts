import { rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve } from '../../../src/contract/tokens';
import { deriveMasterEncryptionKey, pointerStorageKey } from '../../../src/keys/keys';
import { createStorage } from '../../../src/storage/open/create-storage';
import { seedCottonDatabase, snapshotTables } from '../../../test/support/cotton-schema';
import { adminQuery, createTestDatabase, dropDatabase, testPool, type TestDatabase } from '../../../test/support/database';
import { cliEnvironment, runCliCaptured } from '../../../test/support/cli';
import { hostConfig, MASTER_KEY, PLUGINS_PATH, newHost, removeRoot, restoreEvents, snapshotWithoutNotices, storageOf, tempRoot } from '../../../test/restore/fixtures';
import { runBackup, type BackupOutcome } from '../take-backup/run-backup';
import { readManifest, readPointer } from '../repository/manifest-store';
import { RESTORED_TITLE } from '../notifications/restore-completed';
import { BackupTokens } from '../runtime/tokens';
import { verifyBackup } from '../verify/verify-backup';

const mek = deriveMasterEncryptionKey(MASTER_KEY);

describe('recovery on a bare machine: database dropped and primary storage deleted, back from a copy target', () => {
  let db: TestDatabase;
  let root: string;
  let before: Record<string, string>;
  let outcome: BackupOutcome;
  let restoredPool: pg.Pool | undefined;
  const env = () => ({ COTTON_BACKUP_COPIES: `offsite=file://${join(root, 'offsite')}` });
  const copyStorage = () => createStorage({ root: join(root, 'offsite'), masterEncryptionKey: mek });

  beforeAll(async () => {
    db = await createTestDatabase('rcpy');
    root = await tempRoot('rcpy');
    await seedCottonDatabase(db.pool, 1);
  });
  afterAll(async () => {
    await restoredPool?.end();
    await db.drop();
    await removeRoot(root);
  });

  async function loseEverythingButTheCopy(): Promise<pg.Pool> {
    await restoredPool?.end();
    await db.pool.end().catch(() => undefined);
    await dropDatabase(db.name);
    await adminQuery(`CREATE DATABASE "${db.name}"`);
    await rm(join(root, 'files'), { recursive: true, force: true });
    restoredPool = testPool(db.name, 3);
    return restoredPool;
  }

  it('a backup made by the host is copied to the target', async () => {
    const host = newHost(hostConfig(db, root, env()));
    await host.start();
    try {
      outcome = await runBackup(resolve(host.pluginContainer('backup')!, BackupTokens.Context));
      before = await snapshotTables(db.pool);
    } finally {
      await host.stop();
    }
    expect((await readPointer(copyStorage(), pointerStorageKey(mek)))?.latestBackupId).toBe(outcome.backupId);
  });

  it('restores from the copy target, says so, and re-seeds the primary storage with the backup and its pointer', async () => {
    const pool = await loseEverythingButTheCopy();
    const host = newHost(hostConfig(db, root, env()));
    await host.start();
    try {
      expect(await snapshotWithoutNotices(pool, [RESTORED_TITLE])).toEqual(before);
      const events = await restoreEvents(pool);
      const started = events.filter((e) => e.type === 'RestoreStarted');
      expect(started.at(-1)!.data).toMatchObject({ backupId: outcome.backupId, source: 'offsite' });
      // The copy's pointer was the only one readable: it was tried first, and the choice is told.
      const told = await pool.query('SELECT content FROM notifications WHERE title = $1', [RESTORED_TITLE]);
      expect(told.rows[0].content).toContain('restored from copy target offsite, the source with the newest backup that verified (also read: the primary storage: no readable pointer)');
      expect(events.find((e) => e.type === 'PrimaryReseeded')?.data).toMatchObject({ source: 'offsite', backupId: outcome.backupId, pointerAdvanced: true });
    } finally {
      await host.stop();
    }
    const primary = storageOf(root);
    expect((await readPointer(primary, pointerStorageKey(mek)))?.latestBackupId).toBe(outcome.backupId);
    const report = await verifyBackup(primary, mek);
    expect(report.problems).toEqual([]);
    expect(report.sha256).toBe(outcome.dumpContentHash);
  });

  it('`restore --from <target>` reads the copy into another database and leaves the primary storage as it was', async () => {
    await rm(join(root, 'files'), { recursive: true, force: true });
    const other = `${db.name}_from`;
    const env = { ...cliEnvironment(db, root, MASTER_KEY, PLUGINS_PATH), COTTON_BACKUP_COPIES: `offsite=file://${join(root, 'offsite')}` };
    try {
      const unknown = await runCliCaptured(env, 'restore', '--from', 'nowhere', '--target-database', other);
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toContain('no copy target "nowhere": COTTON_BACKUP_COPIES names offsite');
      const r = await runCliCaptured(env, 'restore', '--from', 'offsite', '--target-database', other, '--json');
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toMatchObject({ status: 'restored', backupId: outcome.backupId, source: 'offsite', primary: { reason: 'not_cottons_database' } });
      // A test restore into a scratch database writes nothing to the primary: it still holds no backup.
      expect(await readPointer(storageOf(root), pointerStorageKey(mek)).catch(() => undefined)).toBeUndefined();
    } finally {
      await adminQuery(`DROP DATABASE IF EXISTS "${other}" WITH (FORCE)`);
    }
  });

  it('refuses a damaged copy, and says no backup verifies anywhere', async () => {
    const chunk = (await readManifest(copyStorage(), outcome.manifestKey)).chunks[0]!.storageKey;
    await truncate(copyStorage().objectPath(chunk), 50);
    const pool = await loseEverythingButTheCopy();
    const host = newHost(hostConfig(db, root, env()));
    await expect(host.start()).rejects.toThrow();
    await host.stop().catch(() => undefined);
    const { rows } = await pool.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'");
    expect(rows[0].n).toBe(0);
    const refused = (await restoreEvents(pool)).filter((e) => e.type === 'RestoreRejected').map((e) => e.data.reason);
    expect(refused).toEqual(expect.arrayContaining(['no_pointer']));
    expect(refused.length).toBeGreaterThanOrEqual(2);
  });
});
