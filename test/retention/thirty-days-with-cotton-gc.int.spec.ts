import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config';
import { runMigrations } from '../../src/db/migrations/runner';
import { deriveMasterEncryptionKey, pointerStorageKey } from '../../src/keys/keys';
import { createStorage } from '../../src/storage/open/create-storage';
import { MIGRATIONS_PATH } from '../../plugins/backup/index';
import { createBackupServices, type BackupServices } from '../../plugins/backup/runtime/services';
import { runBackup } from '../../plugins/backup/take-backup/run-backup';
import { readManifest } from '../../plugins/backup/repository/manifest-store';
import { applyRetention } from '../../plugins/backup/retention/apply-retention';
import { explicitRestore } from '../../plugins/backup/restore/explicit-restore';
import { verifyBackup } from '../../plugins/backup/verify/verify-backup';
import { MASTER_KEY_SENTINEL } from '../../plugins/backup/cotton-tables/never-touched';
import { appendBulkRows, seedCottonDatabase, snapshotTables } from '../support/cotton-schema';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { ControllableClock, DAY, HOUR, MINUTE } from '../support/cotton-gc/clock';
import { CottonGcModel } from '../support/cotton-gc/cotton-gc';
import { runUntil, type RecurringTask } from '../support/cotton-gc/timeline';

const MASTER_KEY = 'thirty-days-master-key-012345678';
const START = new Date('2026-02-16T00:00:00Z'); // a Monday; the run crosses a month and five ISO weeks
const DAYS = 30;
/** Tighter than the defaults, so that more expires (and fewer restores keep the spec short); every rule still plays. */
const POLICY = { COTTON_BACKUP_KEEP_LAST: '2', COTTON_BACKUP_KEEP_DAILY: '3', COTTON_BACKUP_KEEP_WEEKLY: '2', COTTON_BACKUP_KEEP_MONTHLY: '2' };
/**
 * Production runs retention hourly; the simulation runs it every 8 hours, a harsher test of the
 * margin against Cotton's 1-day delays (and a cheaper one).
 */
const RETENTION_EVERY = 8 * HOUR;

interface Taken {
  day: number;
  backupId: string;
  manifestKey: string;
  objects: string[];
  /** Every table as it was when pg_dump ran. */
  tables: Record<string, string>;
}

/**
 * Issue 11's proof: 30 simulated days, a backup a day with a day of changes between, retention
 * hourly, Cotton's StorageConsistencyJob and GarbageCollectorJob (Limited space mode: the
 * shortest delays, no night pause) on their schedules, all on one simulated clock.
 */
describe('30 days of backups with Cotton\'s GC in the loop', () => {
  let db: TestDatabase;
  let root: string;
  let services: BackupServices;
  let gc: CottonGcModel;
  const clock = new ControllableClock(START);
  const masterEncryptionKey = deriveMasterEncryptionKey(MASTER_KEY);
  const storage = () => services.backup.storage;
  const taken: Taken[] = [];
  const fallbackChecks: string[] = [];
  const userFileKey = createHash('sha256').update('a user file').digest('hex');

  beforeAll(async () => {
    db = await createTestDatabase('ret30');
    root = await mkdtemp(join(tmpdir(), 'ret30-'));
    const config = loadConfig({
      ...db.env, COTTON_MASTER_KEY: MASTER_KEY, COTTON_STORAGE_PATH: join(root, 'files'), COTTON_DATA_PATH: join(root, 'data'),
      COTTON_LOG_LEVEL: 'silent', ...POLICY, COTTON_CHUNK_MIN_BYTES: '4096', COTTON_CHUNK_AVG_BYTES: '8192', COTTON_CHUNK_MAX_BYTES: '32768',
    });
    await seedCottonDatabase(db.pool, 0.05);
    await runMigrations(db.pool, [{ plugin: 'backup', path: MIGRATIONS_PATH }]);
    const objectStorage = createStorage({ root: config.storage.root, masterEncryptionKey });
    services = createBackupServices({ config, pool: db.pool, storage: objectStorage, masterEncryptionKey, clock });
    // Cotton's own objects beside ours: the sentinel, and a user's file referenced by a manifest.
    await objectStorage.write(MASTER_KEY_SENTINEL, Buffer.from('{"purpose":"cotton.master-key.sentinel.v1"}'));
    await objectStorage.write(userFileKey, Buffer.from('a user file'));
    await db.pool.query(`
      INSERT INTO chunks (hash, size_bytes, stored_size_bytes) VALUES (decode('${userFileKey}', 'hex'), 11, 11);
      INSERT INTO file_manifests (id, content_hash, size_bytes, content_type) VALUES ('00000000-0000-4000-8000-00000000f11e', decode('${userFileKey}', 'hex'), 11, 'text/plain');
      INSERT INTO file_manifest_chunks VALUES ('00000000-0000-4000-8000-00000000f11e', 0, decode('${userFileKey}', 'hex'));`);
    gc = new CottonGcModel({ pool: db.pool, storage: objectStorage, masterEncryptionKey, clock, timeZone: 'Europe/Berlin' }, 'Limited');

    const [consistency, collector] = gc.tasks();
    const tasks: RecurringTask[] = [
      consistency!,
      { ...collector!, run: async () => { const before = gc.deletedObjects.size; await collector!.run(); if (gc.deletedObjects.size > before) await checkLatestAndFallback(); } },
      { name: 'retention job', next: START.getTime() + 7 * MINUTE, every: RETENTION_EVERY, run: async () => void (await applyRetention(services.retention)) },
      { name: 'a day of changes', next: START.getTime() + 12 * HOUR, every: DAY, run: () => changeData() },
      { name: 'daily backup', next: START.getTime() + 3 * HOUR, every: DAY, run: () => takeBackup() },
    ];
    await runUntil(clock, tasks, new Date(START.getTime() + DAYS * DAY));
    // No more backups: Cotton's jobs and retention go on for ten days, long enough for the
    // consistency job's next pass (day 30) and the GC delays after it.
    const [backupTask] = tasks.splice(-1);
    expect(backupTask!.name).toBe('daily backup');
    tasks.splice(-1);
    await runUntil(clock, tasks, new Date(START.getTime() + (DAYS + 10) * DAY));
  }, 300_000);

  afterAll(async () => {
    await db?.drop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  async function changeData() {
    const day = Math.round((clock.now().getTime() - START.getTime()) / DAY);
    await appendBulkRows(db.pool, 10_000 + day * 10, 10);
    await db.pool.query('UPDATE notifications SET title = $1 WHERE priority = $2', [`changed on day ${day}`, day % 4]);
  }

  async function takeBackup() {
    const tables = await snapshotTables(db.pool);
    const outcome = await runBackup(services.backup);
    const manifest = await readManifest(storage(), outcome.manifestKey);
    taken.push({
      day: Math.floor((clock.now().getTime() - START.getTime()) / DAY),
      backupId: outcome.backupId,
      manifestKey: outcome.manifestKey,
      objects: [outcome.manifestKey, ...manifest.chunks.map((c) => c.storageKey)],
      tables,
    });
    await checkLatestAndFallback();
  }

  // After every backup and every GC run that deleted objects (the only moments either can change):
  // the latest verifies, and so does the backup a fallback would take next.
  async function checkLatestAndFallback() {
    if (taken.length === 0) return;
    const latest = await verifyBackup(storage(), masterEncryptionKey);
    expect(latest.problems, `latest at ${clock.now().toISOString()}`).toEqual([]);
    const previousKey = (await readManifest(storage(), latest.manifestKey!)).previousManifestStorageKey;
    if (!previousKey) return;
    const previous = taken.find((t) => t.manifestKey === previousKey)!;
    const report = await verifyBackup(storage(), masterEncryptionKey, { backupId: previous.backupId });
    expect(report.problems, `fallback to ${previous.backupId} at ${clock.now().toISOString()}`).toEqual([]);
    fallbackChecks.push(previous.backupId);
  }

  async function retentionStates(): Promise<Map<string, string>> {
    const { rows } = await db.pool.query<{ backup_id: string; retention: string }>('SELECT backup_id, retention FROM cotton_backup.backup_retention');
    return new Map(rows.map((r) => [r.backup_id, r.retention]));
  }

  it('took a backup a day, kept some by the default policy and expired the rest, and checked the fallback at every GC run', async () => {
    expect(taken).toHaveLength(DAYS);
    const states = await retentionStates();
    const kept = taken.filter((t) => states.get(t.backupId) === 'kept');
    const expired = taken.filter((t) => states.get(t.backupId) === 'expired');
    expect(kept.length + expired.length).toBe(DAYS);
    expect(kept.length).toBeGreaterThanOrEqual(4);
    expect(expired.length).toBeGreaterThan(0);
    expect(states.get(taken.at(-1)!.backupId)).toBe('kept');
    expect(fallbackChecks.length).toBeGreaterThanOrEqual(DAYS);
    expect(gc.runs.filter((r) => r.deleted.length > 0).length).toBeGreaterThan(0);
  });

  it('every kept backup verifies and restores by id into a scratch database, equal to its source at dump time', async () => {
    const states = await retentionStates();
    for (const t of taken.filter((x) => states.get(x.backupId) === 'kept')) {
      expect((await verifyBackup(storage(), masterEncryptionKey, { backupId: t.backupId })).problems, `day ${t.day}`).toEqual([]);
      const scratch = await createTestDatabase('ret30r');
      try {
        const report = await explicitRestore(services.restoreContext({ ...services.backup.target, database: scratch.name }, scratch.pool), clock, { backupId: t.backupId });
        expect(report.backupId).toBe(t.backupId);
        expect(await snapshotTables(scratch.pool), `day ${t.day}`).toEqual(t.tables);
      } finally {
        await scratch.drop();
      }
    }
  }, 240_000);

  it('collected every object only expired backups used, and nothing else', async () => {
    const states = await retentionStates();
    const keptObjects = new Set(taken.filter((t) => states.get(t.backupId) === 'kept').flatMap((t) => t.objects));
    const unshared = new Set(taken.filter((t) => states.get(t.backupId) === 'expired').flatMap((t) => t.objects).filter((k) => !keptObjects.has(k)));
    expect(unshared.size).toBeGreaterThan(0);
    for (const key of unshared) expect(await storage().exists(key), `expired object ${key}`).toBe(false);
    for (const key of keptObjects) expect(await storage().exists(key), `kept object ${key}`).toBe(true);
    expect([...gc.deletedObjects].sort()).toEqual([...unshared].sort());
    expect(await storage().exists(MASTER_KEY_SENTINEL)).toBe(true);
    expect(await storage().exists(userFileKey)).toBe(true);
    expect(await storage().exists(pointerStorageKey(masterEncryptionKey))).toBe(true);
  });

  it('falls back to the previous backup when the latest has lost a chunk', async () => {
    const [previous, latest] = taken.slice(-2);
    const others = new Set(taken.slice(0, -1).flatMap((t) => t.objects));
    const lost = latest!.objects.slice(1).find((k) => !others.has(k));
    expect(lost, 'the latest backup has a chunk of its own').toBeDefined();
    await storage().delete(lost!); // as if lost: the product never deletes
    const scratch = await createTestDatabase('ret30f');
    try {
      const report = await explicitRestore(services.restoreContext({ ...services.backup.target, database: scratch.name }, scratch.pool), clock, { fallback: 'previous' });
      expect(report.backupId).toBe(previous!.backupId);
      expect(await snapshotTables(scratch.pool)).toEqual(previous!.tables);
    } finally {
      await scratch.drop();
    }
  });
});
