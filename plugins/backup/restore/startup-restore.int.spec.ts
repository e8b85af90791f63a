import { spawnSync } from 'node:child_process';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve } from '../../../src/contract/tokens';
import { ADMIN_ID, seedCottonDatabase, snapshotTables } from '../../../test/support/cotton-schema';
import { adminQuery, createTestDatabase, dropDatabase, testPool, testServer, type TestDatabase } from '../../../test/support/database';
import {
  cottonNotifications,
  hostConfig,
  newHost,
  removeRoot,
  restoreEvents,
  SECOND_ADMIN_ID,
  snapshotWithoutNotices,
  tempRoot,
} from '../../../test/restore/fixtures';
import { readAll, readStream, verifyChain } from '../events';
import { runBackup, type BackupOutcome } from '../take-backup/run-backup';
import { RESTORED_TITLE, notifyRestoreCompleted } from '../notifications/restore-completed';
import { readManifest } from '../repository/manifest-store';
import { BackupTokens } from '../runtime/tokens';
import { isCottonDatabaseEmpty } from './database-state';

describe('startup restore: backup → empty database → host start', () => {
  let db: TestDatabase;
  let root: string;
  let before: Record<string, string>;
  let outcome: BackupOutcome;
  let restoredPool: pg.Pool | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('rsrt');
    root = await tempRoot('rsrt');
    await seedCottonDatabase(db.pool, 2);
  });
  afterAll(async () => {
    await restoredPool?.end();
    await db.drop();
    await removeRoot(root);
  });

  it('leaves a non-empty database untouched even with restore enabled, and backs it up', async () => {
    const host = newHost(hostConfig(db, root));
    const untouched = await snapshotTables(db.pool);
    await host.start();
    try {
      expect(await snapshotTables(db.pool)).toEqual(untouched);
      expect(await restoreEvents(db.pool)).toEqual([]);
      outcome = await runBackup(resolve(host.pluginContainer('backup')!, BackupTokens.Context));
      before = await snapshotTables(db.pool);
    } finally {
      await host.stop();
    }
  });

  it('restores every table into the dropped and recreated database before migrations, notifies the admins, and serves', async () => {
    await db.pool.end();
    await dropDatabase(db.name);
    await adminQuery(`CREATE DATABASE "${db.name}"`);
    restoredPool = testPool(db.name, 3);
    const config = hostConfig(db, root);
    // A plaintext dump left by a crashed restore is swept at startup.
    const workDir = join(config.dataPath, 'restore-tmp');
    await mkdir(workDir, { recursive: true });
    await writeFile(join(workDir, 'crashed.dump'), 'plaintext');

    const host = newHost(config);
    await host.start();
    try {
      const pool = restoredPool;
      // Every table equal; the only new rows are this restore's notifications.
      expect(await snapshotWithoutNotices(pool, [RESTORED_TITLE])).toEqual(before);
      // The restored cotton_host.schema_migrations says every migration was applied: the restore ran first.
      expect(host.migrations.filter((m) => m.plugin === 'backup').every((m) => !m.applied)).toBe(true);

      const restore = await restoreEvents(pool);
      expect(restore.map((e) => e.type)).toEqual(['RestoreStarted', 'Verified', 'Restored', 'ExtensionsEnsured', 'AdminsNotified']);
      expect(restore[0]!.data).toMatchObject({ backupId: outcome.backupId, manifestKey: outcome.manifestKey, trigger: 'startup', targetDatabase: db.name });
      expect(restore[1]!.data).toMatchObject({ bytes: outcome.dumpSizeBytes, sha256: outcome.dumpContentHash, chunkCount: outcome.chunkCount });
      expect(restore[3]!.data).toEqual({ extensions: ['citext', 'hstore'] });

      const history = await readStream(pool, outcome.backupId);
      expect(history.map((e) => e.type)).toEqual(['BackupStarted', 'Dumped', 'Chunked', 'ManifestCommitted', 'PointerAdvanced']);
      expect(history[0]!.metadata.rerecorded).toBeUndefined();
      expect(history.slice(1).every((e) => e.metadata.rerecorded === true)).toBe(true);
      expect(history[3]!.data).toMatchObject({ manifestKey: outcome.manifestKey, rerecorded: true });
      const row = await pool.query('SELECT status, rerecorded FROM cotton_backup.backup_history WHERE backup_id = $1', [outcome.backupId]);
      expect(row.rows[0]).toEqual({ status: 'succeeded', rerecorded: true });
      expect((await verifyChain(pool)).ok).toBe(true);
      // The global reader sees the restored history and the new events alike.
      // (It waits for every older transaction in the cluster to end: other specs may be writing.)
      await expect
        .poll(async () => (await readAll(pool, { limit: 10_000 })).events.filter((e) => e.streamId === outcome.backupId).length, { timeout: 10_000 })
        .toBe(5);

      const notes = await cottonNotifications(pool, RESTORED_TITLE);
      expect(notes.map((n) => n.user_id)).toEqual([ADMIN_ID, SECOND_ADMIN_ID]);
      const manifest = await readManifest(resolve(host.container, (await import('../../../src/contract/services')).HostTokens.Storage), outcome.manifestKey);
      for (const n of notes) {
        expect(n.priority).toBe(3);
        expect(n.metadata).toMatchObject({
          backupId: outcome.backupId,
          createdAtUtc: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/), // .NET "O"
          sourceDatabase: db.name,
          sourceHost: testServer.host,
          sourcePort: String(testServer.port),
          serverTimezone: 'Europe/Berlin',
          manifestStorageKey: outcome.manifestKey,
          'i18n.titleKey': 'notifications:server.databaseRestoreCompleted.title',
          'i18n.contentKey': 'notifications:server.databaseRestoreCompleted.content',
        });
        expect(Date.parse(n.metadata.createdAtUtc!)).toBe(Date.parse(manifest.createdAtUtc));
        expect(Date.parse(n.metadata.restoreCompletedUtc!)).not.toBeNaN();
      }
      const sent = await pool.query('SELECT user_id::text, kind, priority FROM cotton_backup.admin_notifications ORDER BY user_id');
      expect(sent.rows).toEqual([
        { user_id: ADMIN_ID, kind: 'restore_completed', priority: 3 },
        { user_id: SECOND_ADMIN_ID, kind: 'restore_completed', priority: 3 },
      ]);
      // A retried notification of the same restore writes nothing and records nothing.
      expect(await notifyRestoreCompleted(pool, { now: () => new Date() }, { manifest, manifestKey: outcome.manifestKey })).toBeUndefined();
      expect(await cottonNotifications(pool, RESTORED_TITLE)).toHaveLength(2);

      const health = await fetch(`${host.url}/health`);
      expect(health.status).toBe(200);
      expect(await readdir(workDir)).toEqual([]);
      expect((await stat(workDir)).mode & 0o777).toBe(0o700);
    } finally {
      await host.stop();
    }
  });

  it('does nothing when restore is disabled, even on an empty database with a backup in storage', async () => {
    const empty = await createTestDatabase('rsoff');
    try {
      const config = hostConfig(empty, root, { COTTON_RESTORE_DATABASE_IF_EMPTY: 'false' });
      // …except sweeping the plaintext a killed restore left: that happens at every start.
      const workDir = join(config.dataPath, 'restore-tmp');
      await mkdir(workDir, { recursive: true });
      await writeFile(join(workDir, `${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}.${spawnSync(process.execPath, ['-e', '']).pid}.dump`), 'plaintext');
      const host = newHost(config);
      await host.start();
      await host.stop();
      expect(await readdir(workDir)).toEqual([]);
      expect(await isCottonDatabaseEmpty(empty.pool)).toBe(true);
      const users = await empty.pool.query("SELECT to_regclass('public.users') AS t");
      expect(users.rows[0].t).toBeNull();
      expect(await restoreEvents(empty.pool)).toEqual([]);
    } finally {
      await empty.drop();
    }
  });
});
