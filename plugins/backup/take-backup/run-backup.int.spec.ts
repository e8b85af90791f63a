import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pointerStorageKey } from '../../../src/keys/keys';
import { createTestDatabase } from '../../../test/support/database';
import { appendBulkRows, seedCottonDatabase, snapshotTables } from '../../../test/support/cotton-schema';
import { readStream } from '../events';
import { manifestSchema } from '../repository/manifest';
import { readManifest, readPointer } from '../repository/manifest-store';
import { rebuildVerifiedDump } from '../restore/rebuild-verified-dump';
import { runPgRestore } from '../dump/pg-restore';
import { createBackupFixture, type BackupFixture } from '../../../test/support/backup-fixture';
import { runBackup } from './run-backup';
import { BackupAlreadyRunningError, acquireBackupLock } from './backup-lock';

describe('runBackup against a Cotton-shaped database', () => {
  let f: BackupFixture;
  beforeAll(async () => {
    // Small chunks, so that a test-sized dump has enough of them for deduplication to show.
    f = await createBackupFixture('bkrun', { COTTON_CHUNK_MIN_BYTES: '16384', COTTON_CHUNK_AVG_BYTES: '65536', COTTON_CHUNK_MAX_BYTES: '262144' });
    await seedCottonDatabase(f.db.pool, 5);
  });
  afterAll(() => f.cleanup());

  it('stores a dump that rebuilds from its chunks alone and restores every table equal', async () => {
    const outcome = await runBackup(f.services.backup, { requestIds: [] });
    const pointer = await readPointer(f.storage, pointerStorageKey(f.masterEncryptionKey));
    expect(pointer?.latestManifestStorageKey).toBe(outcome.manifestKey);
    expect(pointer?.latestBackupId).toBe(outcome.backupId);

    const manifest = await readManifest(f.storage, outcome.manifestKey);
    expect(manifestSchema.safeParse(manifest).success).toBe(true);
    expect(manifest.dumpSizeBytes).toBe(outcome.dumpSizeBytes);
    for (const chunk of manifest.chunks) {
      const path = f.storage.objectPath(chunk.storageKey);
      expect(path).toBe(join(f.config.storage.root, chunk.storageKey.slice(0, 2), chunk.storageKey.slice(2, 4), `${chunk.storageKey.slice(4)}.ctn`));
    }

    const work = await mkdtemp(join(tmpdir(), 'bkrun-restore-'));
    const target = await createTestDatabase('bkrun_target');
    try {
      const file = join(work, 'dump');
      await rebuildVerifiedDump(f.storage, manifest, outcome.manifestKey, { destination: file });
      await target.pool.query('CREATE EXTENSION citext; CREATE EXTENSION hstore');
      await runPgRestore({ ...f.services.backup.target, database: target.name }, file);
      expect(await snapshotTables(target.pool)).toEqual(await snapshotTables(f.db.pool));
    } finally {
      await target.drop();
      await rm(work, { recursive: true, force: true });
    }

    const events = await readStream(f.db.pool, outcome.backupId);
    expect(events.map((e) => e.type)).toEqual(['BackupStarted', 'Dumped', 'RowsCounted', 'FileChunksRecorded', 'Chunked', 'ManifestCommitted', 'PointerAdvanced']);
    // The counts of the dump's own snapshot, in the manifest and in the event alike.
    const counts = Object.fromEntries(manifest.sourceState!.tables.map((t) => [`${t.schema}.${t.table}`, t.rows]));
    expect(counts).toMatchObject({ 'public.users': 3, 'public.notifications': 50, 'public.chunks': 10_000, 'public.__EFMigrationsHistory': 2 });
    expect(manifest.sourceState!.efMigrations).toEqual(['20260101000000_Initial', '20260301000000_Notifications']);
    expect(manifest.sourceState!.extensions.map((e) => e.name)).toEqual(expect.arrayContaining(['citext', 'hstore']));
    expect(events.find((e) => e.type === 'RowsCounted')!.data).toMatchObject({ backupId: outcome.backupId, tables: manifest.sourceState!.tables });
    // Every chunk a file names, read in the same snapshot (issue 27, 0c).
    expect(events.find((e) => e.type === 'FileChunksRecorded')!.data).toMatchObject({ backupId: outcome.backupId, chunkCount: 10_000 });
    const history = await f.db.pool.query('SELECT status, manifest_key FROM cotton_backup.backup_history WHERE backup_id = $1', [outcome.backupId]);
    expect(history.rows[0]).toEqual({ status: 'succeeded', manifest_key: outcome.manifestKey });
    const latest = await f.db.pool.query('SELECT backup_id FROM cotton_backup.latest_backup');
    expect(latest.rows[0].backup_id).toBe(outcome.backupId);
  });

  it('writes no new chunk for an unchanged database, and little after appending rows', async () => {
    // pg_dump output of an unchanged database is byte-identical, except the event log our own
    // backup just appended to; the chunks around it are the only new ones.
    const first = await runBackup(f.services.backup);
    const second = await runBackup(f.services.backup);
    expect(second.dumpSizeBytes).toBeGreaterThan(0);
    // Cotton's tables are unchanged; only cotton_backup.events (and its read models) grew by the
    // first backup's own events. Content-defined boundaries re-align right after that change, so
    // only the chunks around it are new.
    expect(second.newChunks).toBeLessThanOrEqual(2);
    expect(second.newPlaintextBytes / second.dumpSizeBytes).toBeLessThan(0.05);
    await appendBulkRows(f.db.pool, 1_000_000, 200);
    const third = await runBackup(f.services.backup);
    const fraction = third.newPlaintextBytes / third.dumpSizeBytes;
    console.log(`unchanged: ${second.newChunks} new of ${second.chunkCount} chunks; after +200 rows: ${(fraction * 100).toFixed(1)} % new bytes`);
    expect(fraction).toBeLessThan(0.25);
    expect(third.previousManifestKey).toBe(second.manifestKey);
    expect(second.previousManifestKey).toBe(first.manifestKey);
  });

  it('records no counts when COTTON_BACKUP_ROW_COUNTS=off', async () => {
    const outcome = await runBackup({ ...f.services.backup, countRows: false });
    const manifest = await readManifest(f.storage, outcome.manifestKey);
    expect(manifest.sourceState).toBeUndefined();
    expect((await readStream(f.db.pool, outcome.backupId)).map((e) => e.type)).not.toContain('RowsCounted');
  });

  it('logs a failure after the backup without naming a step that may not have failed, and still succeeds', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'error' }, new Writable({ write: (chunk, _e, done) => void (lines.push(String(chunk)), done()) }));
    const afterBackup = async () => {
      throw new Error('copy target offsite unreachable');
    };
    const outcome = await runBackup({ ...f.services.backup, logger, afterBackup });
    expect(outcome.backupId).toMatch(/^[0-9a-f]{32}$/);
    const logged = lines.map((l) => JSON.parse(l) as { msg: string; err: string; backupId: string });
    expect(logged).toEqual([
      expect.objectContaining({ msg: 'after the backup: retention or the copy to the targets failed', err: 'copy target offsite unreachable', backupId: outcome.backupId }),
    ]);
  });

  it('refuses a second backup while one holds the lock, naming it', async () => {
    const lock = await acquireBackupLock(f.db.pool, f.db.name);
    try {
      await expect(runBackup(f.services.backup)).rejects.toThrow(BackupAlreadyRunningError);
      await expect(runBackup(f.services.backup)).rejects.toThrow(/already running/);
    } finally {
      await lock.release();
    }
  });
});
