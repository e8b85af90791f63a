import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config';
import { runMigrations } from '../../src/db/migrations/runner';
import { deriveMasterEncryptionKey } from '../../src/keys/keys';
import { createStorage } from '../../src/storage/open/create-storage';
import type { ObjectStorage } from '../../src/storage/object-storage';
import { MIGRATIONS_PATH } from '../../plugins/backup/index';
import { createBackupServices, type BackupServices } from '../../plugins/backup/runtime/services';
import { runBackup } from '../../plugins/backup/take-backup/run-backup';
import { applyRetention } from '../../plugins/backup/retention/apply-retention';
import { explicitRestore } from '../../plugins/backup/restore/explicit-restore';
import { verifyBackup } from '../../plugins/backup/verify/verify-backup';
import { runDrill } from '../../plugins/backup/drills/run-drill';
import { drillContext } from '../../plugins/backup/runtime/drill-context';
import { seedCottonDatabase } from '../support/cotton-schema';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { ControllableClock, DAY, HOUR, MINUTE } from '../support/cotton-gc/clock';
import { CottonGcModel } from '../support/cotton-gc/cotton-gc';
import { runUntil, type RecurringTask } from '../support/cotton-gc/timeline';

const MASTER_KEY = 'file-chunks-master-key-012345678';
const START = new Date('2026-03-02T00:00:00Z');
const FILES = 6;
const DELETED = 3;

/** A user's file as Cotton stores it: one chunk object, its chunks row, a manifest and its chunk list. */
async function addFile(pool: Pool, storage: ObjectStorage, n: number): Promise<string> {
  const content = Buffer.from(`user file ${n} ${randomUUID()}`);
  const key = createHash('sha256').update(content).digest('hex');
  await storage.write(key, content);
  const id = randomUUID();
  await pool.query(`INSERT INTO chunks (hash, size_bytes, stored_size_bytes) VALUES (decode($1, 'hex'), $2, $2)`, [key, content.length]);
  await pool.query(`INSERT INTO file_manifests (id, content_hash, size_bytes, content_type) VALUES ($1, decode($2, 'hex'), $3, 'text/plain')`, [id, key, content.length]);
  await pool.query(`INSERT INTO file_manifest_chunks VALUES ($1, 0, decode($2, 'hex'))`, [id, key]);
  return id;
}

async function deleteFile(pool: Pool, id: string): Promise<void> {
  await pool.query('DELETE FROM file_manifest_chunks WHERE file_manifest_id = $1', [id]);
  await pool.query('DELETE FROM file_manifests WHERE id = $1', [id]);
}

/** The chunk hashes a database's files name that storage does not hold. */
async function danglingReferences(pool: Pool, storage: ObjectStorage): Promise<string[]> {
  const { rows } = await pool.query<{ key: string }>("SELECT encode(chunk_hash, 'hex') AS key FROM file_manifest_chunks ORDER BY 1");
  const dangling: string[] = [];
  for (const { key } of rows) if (!(await storage.exists(key))) dangling.push(key);
  return dangling;
}

/**
 * Issue 27 point 0c: a kept backup's database names file chunks; Cotton's GC collects the chunks
 * of files deleted after the backup unless the backup's pins cover them too.
 */
describe('the file chunks a kept backup references survive Cotton\'s GC', () => {
  let db: TestDatabase;
  let root: string;
  let services: BackupServices;
  let gc: CottonGcModel;
  let backupA: string;
  const clock = new ControllableClock(START);
  const masterEncryptionKey = deriveMasterEncryptionKey(MASTER_KEY);
  const storage = () => services.backup.storage;
  let lost: string | undefined;
  const recorded = async () => (await db.pool.query<{ key: string }>(
    "SELECT encode(h, 'hex') AS key FROM cotton_backup.referenced_chunk_recordings r, unnest(r.hashes) h WHERE r.backup_id = $1", [backupA])).rows.map((r) => r.key);
  const liveKeys = async () => new Set((await db.pool.query<{ key: string }>("SELECT encode(chunk_hash, 'hex') AS key FROM file_manifest_chunks")).rows.map((r) => r.key));
  /** The chunks backup A's database referenced that no live file does: the deleted files'. */
  const onlyA = async () => {
    const live = await liveKeys();
    return (await recorded()).filter((k) => !live.has(k)).sort();
  };

  beforeAll(async () => {
    db = await createTestDatabase('fchunks');
    root = await mkdtemp(join(tmpdir(), 'fchunks-'));
    const config = loadConfig({
      ...db.env, COTTON_MASTER_KEY: MASTER_KEY, COTTON_STORAGE_PATH: join(root, 'files'), COTTON_DATA_PATH: join(root, 'data'),
      COTTON_LOG_LEVEL: 'silent', COTTON_BACKUP_KEEP_LAST: '2', COTTON_BACKUP_KEEP_DAILY: '0', COTTON_BACKUP_KEEP_WEEKLY: '0', COTTON_BACKUP_KEEP_MONTHLY: '0',
      COTTON_CHUNK_MIN_BYTES: '4096', COTTON_CHUNK_AVG_BYTES: '8192', COTTON_CHUNK_MAX_BYTES: '32768',
    });
    await seedCottonDatabase(db.pool, 0);
    await runMigrations(db.pool, [{ plugin: 'backup', path: MIGRATIONS_PATH }]);
    const objectStorage = createStorage({ root: config.storage.root, masterEncryptionKey });
    services = createBackupServices({ config, pool: db.pool, storage: objectStorage, masterEncryptionKey, clock });
    const files: string[] = [];
    for (let n = 0; n < FILES; n++) files.push(await addFile(db.pool, objectStorage, n));
    gc = new CottonGcModel({ pool: db.pool, storage: objectStorage, masterEncryptionKey, clock, timeZone: 'Europe/Berlin' }, 'Limited');

    clock.advance(HOUR);
    backupA = (await runBackup(services.backup)).backupId;
    // After backup A, a user deletes three files; backup B (the latest) no longer lists them.
    clock.advance(HOUR);
    for (const id of files.slice(0, DELETED)) await deleteFile(db.pool, id);
    clock.advance(HOUR);
    await runBackup(services.backup);

    const tasks: RecurringTask[] = [
      ...gc.tasks(),
      { name: 'retention job', next: clock.now().getTime() + 7 * MINUTE, every: HOUR, run: async () => void (await applyRetention(services.retention)) },
    ];
    await runUntil(clock, tasks, new Date(clock.now().getTime() + 40 * DAY));
  }, 120_000);

  afterAll(async () => {
    await db?.drop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('backup A is still kept after 40 days of Cotton\'s GC, and the GC did run and delete', async () => {
    const { rows } = await db.pool.query<{ retention: string }>('SELECT retention FROM cotton_backup.backup_retention WHERE backup_id = $1', [backupA]);
    expect(rows[0]?.retention).toBe('kept');
    expect(gc.runs.filter((r) => !r.skipped).length).toBeGreaterThan(100);
  });

  // Kills the revert of issue 27 point 0c (test/mutation/hardening-reverts.ts).
  it('restoring backup A gives a database with 0 dangling chunk references', async () => {
    const scratch = await createTestDatabase('fchunksr');
    try {
      await explicitRestore(services.restoreContext({ ...services.backup.target, database: scratch.name }, scratch.pool), clock, { backupId: backupA });
      const { rows } = await scratch.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM file_manifest_chunks');
      expect(rows[0]!.n).toBe(FILES);
      expect(await danglingReferences(scratch.pool, storage())).toEqual([]);
    } finally {
      await scratch.drop();
    }
  }, 60_000);

  it('verify and a drill report a file chunk that only backup A keeps alive and that storage lost', async () => {
    expect((await verifyBackup(storage(), masterEncryptionKey, { backupId: backupA, recordings: db.pool })).problems).toEqual([]);
    expect((await runDrill(drillContext(services), { trigger: 'cli', backupId: backupA })).problems).toEqual([]);
    lost = (await onlyA())[0]!;
    await storage().delete(lost); // as if lost: the product never deletes
    const report = await verifyBackup(storage(), masterEncryptionKey, { backupId: backupA, recordings: db.pool });
    expect(report.problems).toEqual([expect.objectContaining({ key: lost, problem: 'missing_file_chunk' })]);
    const drill = await runDrill(drillContext(services), { trigger: 'cli', backupId: backupA });
    expect(drill.passed).toBe(false);
    expect(drill.problems).toEqual([{ problem: 'missing_file_chunk', subject: lost, expected: 'in storage', actual: 'missing' }]);
  }, 60_000);

  it('once backup A expires, the chunks only its database referenced go back to Cotton\'s GC, and its record goes', async () => {
    const only = await onlyA();
    expect(only).toHaveLength(DELETED);
    for (const key of only) expect(await storage().exists(key), key).toBe(key !== lost);
    // Two more backups: keep-last 2 expires A.
    for (let i = 0; i < 2; i++) {
      clock.advance(HOUR);
      await runBackup(services.backup);
    }
    await applyRetention(services.retention);
    expect(await recorded()).toEqual([]);
    const live = await liveKeys();
    const tasks = gc.tasks();
    for (const t of tasks) t.next = clock.now().getTime() + MINUTE;
    await runUntil(clock, tasks, new Date(clock.now().getTime() + 3 * DAY));
    for (const key of only) expect(await storage().exists(key), key).toBe(false);
    for (const key of live) expect(await storage().exists(key), key).toBe(true);
  });
});
