import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCottonDatabase, snapshotTables } from '../../../test/support/cotton-schema';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { createEmptyTarget, hostConfig, newHost, removeRoot, restoreEvents, snapshotWithoutNotices, storageOf, tempRoot, writeCottonStyleBackup } from '../../../test/restore/fixtures';
import { readStream, verifyChain } from '../events';
import { manifestSchema } from '../repository/manifest';
import { RESTORED_TITLE } from '../notifications/restore-completed';

describe("a backup written by Cotton's own C# job (COTTON.md §4) restores at startup", () => {
  let source: TestDatabase;
  let root: string;
  beforeAll(async () => {
    source = await createTestDatabase('rscot');
    root = await tempRoot('rscot');
    // Big enough for several 1 MiB chunks.
    await seedCottonDatabase(source.pool, 12);
  });
  afterAll(async () => {
    await source.drop();
    await removeRoot(root);
  });

  it('restores every table, re-records the backup from the manifest alone, and notifies the admins', async () => {
    const { manifest, manifestKey } = await writeCottonStyleBackup(source, storageOf(root));
    expect(manifest.chunkCount).toBeGreaterThan(1);
    expect(Object.keys(manifest).sort()).toEqual(Object.keys(manifestSchema.shape).filter((k) => !['producer', 'producerVersion', 'chunking', 'previousManifestStorageKey', 'pgDumpVersion', 'serverVersion', 'sourceState', 'eventSeal'].includes(k)).sort());
    const expected = await snapshotTables(source.pool);

    const target = await createEmptyTarget('rscot_t', false);
    try {
      const host = newHost(hostConfig(target, root));
      await host.start();
      try {
        expect(await snapshotWithoutNotices(target.pool, [RESTORED_TITLE])).toEqual(expected);
        const events = await restoreEvents(target.pool);
        expect(events.map((e) => e.type)).toEqual(['RestoreStarted', 'Verified', 'Restored', 'ExtensionsEnsured', 'AdminsNotified']);
        expect(events[0]!.data).toMatchObject({ backupId: manifest.backupId, manifestKey });
        // Cotton's dump has no event store of ours: the whole backup stream is reconstructed.
        const history = await readStream(target.pool, manifest.backupId);
        expect(history.map((e) => e.type)).toEqual(['BackupStarted', 'Dumped', 'Chunked', 'ManifestCommitted', 'PointerAdvanced']);
        expect(history.every((e) => e.metadata.rerecorded === true)).toBe(true);
        expect(history[0]!.metadata.producer).toBe('cotton');
        expect(history[2]!.data).toMatchObject({ chunkCount: manifest.chunkCount });
        const row = await target.pool.query('SELECT status, dump_bytes::int FROM cotton_backup.backup_history WHERE backup_id = $1', [manifest.backupId]);
        expect(row.rows[0]).toEqual({ status: 'succeeded', dump_bytes: manifest.dumpSizeBytes });
        expect((await verifyChain(target.pool)).ok).toBe(true);
        const notes = await target.pool.query('SELECT count(*)::int AS n FROM notifications WHERE title = $1', [RESTORED_TITLE]);
        expect(notes.rows[0].n).toBe(2);
      } finally {
        await host.stop();
      }
    } finally {
      await target.drop();
    }
  });
});
