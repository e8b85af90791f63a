import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/program';
import { pointerStorageKey } from '../../../src/keys/keys';
import { appendBulkRows, seedCottonDatabase } from '../../../test/support/cotton-schema';
import { ControllableClock, DAY } from '../../../test/support/cotton-gc/clock';
import { CottonGcModel } from '../../../test/support/cotton-gc/cotton-gc';
import { PLUGINS_PATH, writeCottonStyleBackup } from '../../../test/restore/fixtures';
import { runBackup } from '../take-backup/run-backup';
import { MASTER_KEY_SENTINEL } from '../cotton-tables/never-touched';
import { pinObjects } from '../cotton-tables/pin-objects';
import { readManifest } from '../repository/manifest-store';
import { createBackupFixture, TEST_MASTER_KEY, type BackupFixture } from '../../../test/support/backup-fixture';
import { verifyBackup } from '../verify/verify-backup';
import { applyRetention } from './apply-retention';
import { runMigrations } from '../../../src/db/migrations/runner';
import { createTestDatabase } from '../../../test/support/database';
import { MIGRATIONS_PATH } from '../index';
import { createBackupServices } from '../runtime/services';
import { holdBackupForReading } from './reading-lease';

const KEEP_LAST_2 = {
  COTTON_BACKUP_KEEP_LAST: '2', COTTON_BACKUP_KEEP_DAILY: '0', COTTON_BACKUP_KEEP_WEEKLY: '0', COTTON_BACKUP_KEEP_MONTHLY: '0',
  COTTON_CHUNK_MIN_BYTES: '4096', COTTON_CHUNK_AVG_BYTES: '8192', COTTON_CHUNK_MAX_BYTES: '32768',
};

async function gcOf(f: BackupFixture, pool = f.db.pool) {
  const rows = await pool.query<{ key: string; gc: Date | null }>("SELECT encode(hash, 'hex') AS key, gc_scheduled_after AS gc FROM public.chunks");
  return new Map(rows.rows.map((r) => [r.key, r.gc]));
}

async function objectsOf(f: BackupFixture, manifestKey: string): Promise<string[]> {
  return [manifestKey, ...(await readManifest(f.storage, manifestKey)).chunks.map((c) => c.storageKey)];
}

describe('retention on a Cotton database: pin, expire, release, Cotton\'s GC collects', () => {
  let f: BackupFixture;
  let clock: ControllableClock;
  let gc: CottonGcModel;
  const backups: { backupId: string; manifestKey: string }[] = [];
  const backup = async (rows: number) => {
    await appendBulkRows(f.db.pool, 10_000 + backups.length * 1000, rows);
    const o = await runBackup(f.services.backup);
    backups.push(o);
    return o;
  };

  beforeAll(async () => {
    f = await createBackupFixture('rtn', KEEP_LAST_2);
    await seedCottonDatabase(f.db.pool, 0.15);
    clock = new ControllableClock(new Date());
    gc = new CottonGcModel({ pool: f.db.pool, storage: f.storage, masterEncryptionKey: f.masterEncryptionKey, clock, timeZone: 'UTC' }, 'Limited');
  });
  afterAll(() => f.cleanup());

  it('pins the objects of every kept backup that has a chunks row, far in the future', async () => {
    await backup(50);
    await backup(50);
    await gc.storageConsistency(); // rows for the older backup's own objects (+1 day); the latest is protected
    const [a] = backups;
    const rowsBefore = await gcOf(f);
    const aOwn = (await objectsOf(f, a!.manifestKey)).filter((k) => rowsBefore.has(k));
    expect(aOwn.length).toBeGreaterThan(1);
    const report = await applyRetention(f.services.retention);
    expect(report.decisions.map((d) => [d.backupId, d.rules])).toEqual([[backups[1]!.backupId, ['last', 'latest']], [a!.backupId, ['last']]]);
    expect(report.protection).toMatchObject({ chunksTable: true, unreadable: [] });
    const rows = await gcOf(f);
    for (const k of aOwn) expect(rows.get(k)!.getTime()).toBeGreaterThan(Date.now() + 9 * 365 * DAY);
    // Cotton's GC, a week on, in its harshest mode: nothing of a kept backup goes.
    clock.advance(7 * DAY);
    await gc.collectGarbage();
    expect(gc.deletedObjects.size).toBe(0);
    expect((await verifyBackup(f.storage, f.masterEncryptionKey, { backupId: a!.backupId })).problems).toEqual([]);
  });

  it('a re-pin rewrites no row already pinned', async () => {
    const report = await applyRetention(f.services.retention);
    expect(report.protection!.pinnedRows).toBe(0);
    expect(report.decisions.every((d) => d.change === 'none')).toBe(true);
  });

  it('expires what the policy no longer keeps, releases exactly its unshared objects, and Cotton collects them', async () => {
    const [a, b] = backups;
    const before = await gcOf(f);
    await backup(50); // a is now third: expired by the retention run after the backup
    const history = await f.db.pool.query('SELECT backup_id, retention, retention_rules, released_objects FROM cotton_backup.backup_history WHERE backup_id = $1', [a!.backupId]);
    expect(history.rows[0]).toMatchObject({ retention: 'expired', retention_rules: [] });
    const kept = new Set([...(await objectsOf(f, b!.manifestKey)), ...(await objectsOf(f, backups[2]!.manifestKey))]);
    const aObjects = await objectsOf(f, a!.manifestKey);
    const own = aObjects.filter((k) => !kept.has(k) && before.has(k));
    const shared = aObjects.filter((k) => kept.has(k) && before.has(k));
    expect(own.length).toBeGreaterThan(0);
    expect(Number(history.rows[0].released_objects)).toBe(own.length);
    const rows = await gcOf(f);
    for (const k of own) expect(rows.get(k)).toBeNull();
    for (const k of shared) expect(rows.get(k)!.getTime()).toBeGreaterThan(Date.now() + 365 * DAY);
    const events = await f.db.pool.query("SELECT type, data FROM cotton_backup.events WHERE stream_id = $1 ORDER BY global_position", [`retention-${a!.backupId}`]);
    expect(events.rows.map((e) => [e.type, e.data.rules])).toEqual([
      ['BackupKept', ['last', 'latest']], ['BackupKept', ['last']], ['BackupExpired', undefined], ['ObjectsReleased', undefined],
    ]);

    await gc.collectGarbage(); // schedules them (+1 day, Limited)
    clock.advance(DAY + 1);
    await gc.collectGarbage(); // deletes them
    for (const k of own) expect(await f.storage.exists(k), k).toBe(false);
    for (const k of shared) expect(await f.storage.exists(k), k).toBe(true);
    expect((await verifyBackup(f.storage, f.masterEncryptionKey, { backupId: b!.backupId })).problems).toEqual([]);
  });

  it('never pins or releases the master-key sentinel, even when a manifest lists it', async () => {
    await f.db.pool.query("INSERT INTO public.chunks (hash, size_bytes, stored_size_bytes, gc_scheduled_after) VALUES (decode($1, 'hex'), 1, 1, '2030-01-01Z')", [MASTER_KEY_SENTINEL]);
    expect(await pinObjects(f.db.pool, [MASTER_KEY_SENTINEL], new Date())).toBe(0);
    expect((await gcOf(f)).get(MASTER_KEY_SENTINEL)).toEqual(new Date('2030-01-01Z'));
    await f.db.pool.query("DELETE FROM public.chunks WHERE hash = decode($1, 'hex')", [MASTER_KEY_SENTINEL]);
  });

  it('does not expire a backup a restore or verification is reading', async () => {
    const b = backups[1]!;
    const lease = await holdBackupForReading(f.db.pool, b.backupId);
    try {
      const retention = { ...f.services.retention, policy: { ...f.services.retention.policy, last: 1 } };
      const dry = await applyRetention(retention, { dryRun: true });
      expect(dry.decisions.find((d) => d.backupId === b.backupId)).toMatchObject({ keep: true, rules: ['in-use'] });
      const report = await applyRetention(retention);
      expect(report.decisions.find((d) => d.backupId === b.backupId)).toMatchObject({ keep: true, rules: ['in-use'], change: 'keep' });
    } finally {
      await lease.release();
    }
  });

  it('catalogues a backup Cotton\'s own job wrote, keeps it, and keeps it restorable by id after our next backup', async () => {
    const { manifest, manifestKey } = await writeCottonStyleBackup(f.db, f.storage, TEST_MASTER_KEY);
    const report = await applyRetention(f.services.retention);
    expect(report.noticed).toEqual([manifest.backupId]);
    expect(report.decisions.find((d) => d.backupId === manifest.backupId)).toMatchObject({ origin: 'foreign', keep: true, rules: ['last', 'latest'] });
    const row = await f.db.pool.query('SELECT origin, status, manifest_key, retention FROM cotton_backup.backup_history WHERE backup_id = $1', [manifest.backupId]);
    expect(row.rows[0]).toEqual({ origin: 'foreign', status: 'succeeded', manifest_key: manifestKey, retention: 'kept' });
    await backup(10);
    expect((await verifyBackup(f.storage, f.masterEncryptionKey, { backupId: manifest.backupId })).problems).toEqual([]);
  });

  it('catalogues a Cotton pointer that our own next backup replaced before any retention run', async () => {
    const { manifest } = await writeCottonStyleBackup(f.db, f.storage, TEST_MASTER_KEY);
    await backup(10); // its retention run gets the replaced pointer's manifest
    const row = await f.db.pool.query('SELECT origin, retention FROM cotton_backup.backup_history WHERE backup_id = $1', [manifest.backupId]);
    expect(row.rows[0]).toEqual({ origin: 'foreign', retention: 'kept' });
    expect(await f.storage.exists(pointerStorageKey(f.masterEncryptionKey))).toBe(true);
  });

  it('cotton-backup forget --dry-run --json plans without recording; list and forget show the rules', async () => {
    const env = { ...f.db.env, COTTON_MASTER_KEY: TEST_MASTER_KEY, COTTON_STORAGE_PATH: f.config.storage.root, COTTON_DATA_PATH: f.config.dataPath,
      COTTON_PLUGINS_PATH: PLUGINS_PATH, COTTON_LOG_LEVEL: 'silent', ...KEEP_LAST_2, COTTON_BACKUP_KEEP_LAST: '1' };
    const run = async (...args: string[]) => {
      let out = '';
      let err = '';
      const sink = (add: (s: string) => void) => new Writable({ write(c, _e, done) { add(String(c)); done(); } });
      const code = await runCli(['node', 'cotton-backup', ...args], { env, stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)) });
      return { code, out, err };
    };
    const count = async () => Number((await f.db.pool.query('SELECT count(*) FROM cotton_backup.events')).rows[0].count);
    const eventsBefore = await count();
    const dry = await run('forget', '--dry-run', '--json');
    expect(dry.code, dry.err).toBe(0);
    const plan = JSON.parse(dry.out);
    expect(plan.dryRun).toBe(true);
    expect(plan.decisions.filter((d: { keep: boolean }) => !d.keep).length).toBeGreaterThan(0);
    expect(await count()).toBe(eventsBefore);
    const real = await run('forget');
    expect(real.code, real.err).toBe(0);
    expect(real.out).toMatch(/^policy last 1 \(time zone Europe\/Berlin\)/);
    expect(real.out).toMatch(/keep {5}[0-9a-f]{32} .* last, latest/);
    expect(real.out).toMatch(/expired {2}[0-9a-f]{32} .* no rule keeps it/);
    expect(real.out).toMatch(/protection: \d+ objects of kept backups pinned/);
    const list = await run('list');
    expect(list.out).toMatch(/\[kept: last, latest\]/);
    expect(list.out).toMatch(/\(Cotton's own\) {2}\[expired \d{4}-\d{2}-\d{2}\]/);
  });

  it('an expiry recorded but never released (the process died in between) is released by the next run', async () => {
    await backup(10);
    const { rows } = await f.db.pool.query("SELECT backup_id, manifest_key FROM cotton_backup.backup_retention WHERE retention = 'kept' AND 'latest' <> ALL (retention_rules) ORDER BY created_at LIMIT 1");
    const victim = rows[0] as { backup_id: string; manifest_key: string };
    await f.services.journal.append(`retention-${victim.backup_id}`, [{ type: 'BackupExpired', data: { backupId: victim.backup_id, manifestKey: victim.manifest_key, policy: 'test' } }]);
    const stuck = await f.db.pool.query('SELECT released_at FROM cotton_backup.backup_history WHERE backup_id = $1', [victim.backup_id]);
    expect(stuck.rows[0].released_at).toBeNull();
    const report = await applyRetention(f.services.retention);
    expect(report.protection!.released.map((r) => r.backupId)).toEqual([victim.backup_id]);
    const done = await f.db.pool.query('SELECT released_at FROM cotton_backup.backup_history WHERE backup_id = $1', [victim.backup_id]);
    expect(done.rows[0].released_at).not.toBeNull();
  });
});

describe('retention without Cotton\'s chunks table', () => {
  let f: BackupFixture;
  beforeAll(async () => {
    f = await createBackupFixture('rtx', KEEP_LAST_2);
  });
  afterAll(() => f.cleanup());

  it('still decides and records, and says there is nothing to protect', async () => {
    for (let i = 0; i < 3; i++) await runBackup(f.services.backup);
    const report = await applyRetention(f.services.retention);
    expect(report.protection).toMatchObject({ chunksTable: false, pinnedRows: 0 });
    const states = await f.db.pool.query("SELECT retention, released_objects FROM cotton_backup.backup_retention ORDER BY created_at");
    expect(states.rows).toEqual([{ retention: 'expired', released_objects: 0 }, { retention: 'kept', released_objects: null }, { retention: 'kept', released_objects: null }]);
  });

  it('a catalogue that lost its records (restored to an older state) rediscovers our backups from the index, as ours', async () => {
    const other = await createTestDatabase('rtxb');
    try {
      await runMigrations(other.pool, [{ plugin: 'backup', path: MIGRATIONS_PATH }]);
      const services = createBackupServices({ config: f.config, pool: other.pool, storage: f.storage, masterEncryptionKey: f.masterEncryptionKey, clock: { now: () => new Date() } });
      const report = await applyRetention(services.retention);
      expect(report.noticed).toHaveLength(3);
      expect(report.decisions.map((d) => [d.origin, d.keep])).toEqual([['ours', true], ['ours', true], ['ours', false]]);
    } finally {
      await other.drop();
    }
  });
});
