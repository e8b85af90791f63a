import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deriveMasterEncryptionKey, pointerStorageKey } from '../../src/keys/keys';
import { createStorage } from '../../src/storage/open/create-storage';
import { writeManifest, writePointer } from '../../plugins/backup/repository/manifest-store';
import { MASTER_KEY_SENTINEL } from '../../plugins/backup/cotton-tables/never-touched';
import { seedCottonDatabase } from '../support/cotton-schema';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { ControllableClock, DAY } from '../support/cotton-gc/clock';
import { CottonGcModel } from '../support/cotton-gc/cotton-gc';

const key = (s: string) => createHash('sha256').update(s).digest('hex');
const masterEncryptionKey = deriveMasterEncryptionKey('cotton-gc-model-master-key-01234');

/** The model behind the 30-day proof must itself behave as COTTON.md §7 says, or the proof proves nothing. */
describe('the Cotton GC model (COTTON.md §7)', () => {
  let db: TestDatabase;
  let root: string;
  let storage: ReturnType<typeof createStorage>;
  let manifestKey: string;
  const latestChunk = key('latest chunk');
  const older = key('older object');
  const userFile = key('user file');

  beforeAll(async () => {
    db = await createTestDatabase('gcm');
    root = await mkdtemp(join(tmpdir(), 'gcm-'));
    storage = createStorage({ root, masterEncryptionKey });
    await seedCottonDatabase(db.pool, 0);
    for (const [k, text] of [[latestChunk, 'latest chunk'], [older, 'older object'], [userFile, 'user file'], [MASTER_KEY_SENTINEL, 'sentinel']] as const) {
      await storage.write(k, Buffer.from(text));
    }
    manifestKey = await writeManifest(storage, {
      schemaVersion: 1, backupId: 'a'.repeat(32), createdAtUtc: '2026-01-01T00:00:00Z', contains: 'postgres_database_dump', dumpFormat: 'pg_dump_custom',
      sourceDatabase: 'x', sourceHost: 'h', sourcePort: '5432', hashAlgorithm: 'SHA256', chunkSizeBytes: 100, dumpSizeBytes: 12,
      dumpContentHash: latestChunk, chunkCount: 1, elapsed: '00:00:00.0000000', chunks: [{ order: 0, storageKey: latestChunk, sizeBytes: 12 }],
    });
    await writePointer(storage, pointerStorageKey(masterEncryptionKey), {
      schemaVersion: 1, logicalKey: 'database.ctn', updatedAtUtc: '2026-01-01T00:00:00Z', latestManifestStorageKey: manifestKey, latestBackupId: 'a'.repeat(32),
    });
  });
  afterAll(async () => {
    await db.drop();
    await rm(root, { recursive: true, force: true });
  });

  const gcAfter = async (k: string) =>
    (await db.pool.query<{ gc: Date | null }>("SELECT gc_scheduled_after AS gc FROM chunks WHERE hash = decode($1, 'hex')", [k])).rows[0]?.gc;
  const model = (at: string, mode: 'Optimal' | 'Limited' | 'Unlimited' = 'Optimal') =>
    new CottonGcModel({ pool: db.pool, storage, masterEncryptionKey, clock: new ControllableClock(new Date(at)), timeZone: 'Europe/Berlin' }, mode);

  beforeEach(async () => {
    await db.pool.query('DELETE FROM file_manifest_chunks; DELETE FROM file_manifests; DELETE FROM chunks');
  });

  it('StorageConsistencyJob: a row with now + 1 day for each unprotected object without one; none for the pointer, its manifest, its chunks, the sentinel', async () => {
    expect(await model('2026-01-10T12:00:00Z').storageConsistency()).toBe(2);
    expect(await gcAfter(older)).toEqual(new Date('2026-01-11T12:00:00Z'));
    expect(await gcAfter(userFile)).toEqual(new Date('2026-01-11T12:00:00Z'));
    for (const k of [latestChunk, manifestKey, MASTER_KEY_SENTINEL, pointerStorageKey(masterEncryptionKey)]) expect(await gcAfter(k)).toBeUndefined();
  });

  it('GarbageCollectorJob: clears referenced rows, schedules unreferenced NULL rows by space mode, deletes what is due, leaves future rows alone', async () => {
    const gc = model('2026-01-10T12:00:00Z');
    await gc.storageConsistency();
    await db.pool.query("INSERT INTO file_manifests (id, content_hash, size_bytes, content_type) VALUES ('00000000-0000-4000-8000-00000000f11e', decode($1, 'hex'), 9, 'text/plain')", [userFile]);
    await db.pool.query("INSERT INTO file_manifest_chunks VALUES ('00000000-0000-4000-8000-00000000f11e', 0, decode($1, 'hex'))", [userFile]);
    await db.pool.query("UPDATE chunks SET gc_scheduled_after = NULL WHERE hash = decode($1, 'hex')", [older]);
    let run = await gc.collectGarbage();
    expect(run).toMatchObject({ scheduled: 1, deleted: [] });
    expect(await gcAfter(userFile)).toBeNull(); // referenced: cleared
    expect(await gcAfter(older)).toEqual(new Date('2026-01-17T12:00:00Z')); // Optimal: + 7 days
    const later = model('2026-01-17T12:00:00Z');
    run = await later.collectGarbage();
    expect(run.deleted).toEqual([older]);
    expect(await storage.exists(older)).toBe(false);
    expect(await storage.exists(userFile)).toBe(true);
    await storage.write(older, Buffer.from('older object'));
    await db.pool.query("INSERT INTO chunks (hash, size_bytes, stored_size_bytes, gc_scheduled_after) VALUES (decode($1, 'hex'), 1, 1, '2030-01-01Z')", [older]);
    expect((await later.collectGarbage()).deleted).toEqual([]); // a future date is neither rescheduled nor deleted
    expect(await gcAfter(older)).toEqual(new Date('2030-01-01Z'));
  });

  it('delays by space mode, and pauses at night (22:00–07:00 server time) unless Limited', async () => {
    for (const [mode, days] of [['Limited', 1], ['Unlimited', 28]] as const) {
      await db.pool.query("DELETE FROM chunks; INSERT INTO chunks (hash, size_bytes, stored_size_bytes) VALUES (decode('" + older + "', 'hex'), 1, 1)");
      await model('2026-01-10T12:00:00Z', mode).collectGarbage();
      expect(await gcAfter(older)).toEqual(new Date(Date.parse('2026-01-10T12:00:00Z') + days * DAY));
    }
    expect(await model('2026-01-10T22:30:00Z').collectGarbage()).toMatchObject({ skipped: 'night' }); // 23:30 in Berlin
    expect((await model('2026-01-10T22:30:00Z', 'Limited').collectGarbage()).skipped).toBeUndefined();
  });

  it('aborts a run, deleting nothing, when the pointer names a manifest it cannot read', async () => {
    await db.pool.query("INSERT INTO chunks (hash, size_bytes, stored_size_bytes, gc_scheduled_after) VALUES (decode($1, 'hex'), 1, 1, '2000-01-01Z')", [older]);
    const pointerKey = pointerStorageKey(masterEncryptionKey);
    await writePointer(storage, pointerKey, { schemaVersion: 1, logicalKey: 'database.ctn', updatedAtUtc: '2026-01-01T00:00:00Z', latestManifestStorageKey: key('gone'), latestBackupId: 'b'.repeat(32) });
    try {
      expect(await model('2026-01-10T12:00:00Z').collectGarbage()).toMatchObject({ skipped: 'pointer manifest unreadable', deleted: [] });
      expect(await storage.exists(older)).toBe(true);
    } finally {
      await writePointer(storage, pointerKey, { schemaVersion: 1, logicalKey: 'database.ctn', updatedAtUtc: '2026-01-01T00:00:00Z', latestManifestStorageKey: manifestKey, latestBackupId: 'a'.repeat(32) });
    }
  });
});
