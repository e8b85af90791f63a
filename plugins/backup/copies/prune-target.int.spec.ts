import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveMasterEncryptionKey } from '../../../src/keys/keys';
import { createStorage } from '../../../src/storage/open/create-storage';
import { appendBulkRows, seedCottonDatabase } from '../../../test/support/cotton-schema';
import { runCliCaptured } from '../../../test/support/cli';
import { PLUGINS_PATH } from '../../../test/restore/fixtures';
import { runBackup, type BackupOutcome } from '../take-backup/run-backup';
import { readBackupIndex } from '../repository/backup-index';
import { readManifest } from '../repository/manifest-store';
import { createBackupFixture, TEST_MASTER_KEY, type BackupFixture } from '../../../test/support/backup-fixture';
import { verifyBackup } from '../verify/verify-backup';
import { pruneTarget, PruneRefusedError, TargetBusyError } from './prune-target';
import { copyToTargets } from './copy-to-targets';
import { holdOnDedicatedConnection } from '../../../src/db/dedicated-connection';
import { TRY_TARGET_LOCK, TARGET_UNLOCK } from './sql';

const KEEP_LAST_1 = {
  COTTON_BACKUP_KEEP_LAST: '1', COTTON_BACKUP_KEEP_DAILY: '0', COTTON_BACKUP_KEEP_WEEKLY: '0', COTTON_BACKUP_KEEP_MONTHLY: '0',
  COTTON_CHUNK_MIN_BYTES: '4096', COTTON_CHUNK_AVG_BYTES: '8192', COTTON_CHUNK_MAX_BYTES: '32768',
};
const DAY = 24 * 3_600_000;

describe('prune of a copy target: retention, then mark-and-sweep with a grace period', () => {
  let f: BackupFixture;
  let copyRoot: string;
  const backups: BackupOutcome[] = [];
  let prunePolicy: typeof f.services.copies.prune;
  const target = () => createStorage({ root: join(copyRoot, 'repo'), masterEncryptionKey: f.masterEncryptionKey });
  const ctx = (offsetMs = 0) => ({
    ...f.services.copies,
    clock: { now: () => new Date(Date.now() + offsetMs) },
    policy: f.services.retention.policy,
    timeZone: async () => 'UTC',
  });
  const stored = async () => {
    const keys: string[] = [];
    for await (const k of target().list()) keys.push(k);
    return keys;
  };

  beforeAll(async () => {
    copyRoot = await mkdtemp(join(tmpdir(), 'prune-target-'));
    f = await createBackupFixture('prn', { ...KEEP_LAST_1, COTTON_BACKUP_COPIES: `disk2=file://${copyRoot}/repo` });
    await seedCottonDatabase(f.db.pool, 0.1);
    prunePolicy = f.services.copies.prune;
    f.services.copies.prune = undefined; // these tests prune by hand; the last one puts it back
    for (let i = 0; i < 3; i++) {
      await f.db.pool.query('DELETE FROM public.nodes WHERE id IN (SELECT id FROM public.nodes ORDER BY id LIMIT 40)').catch(() => undefined);
      await appendBulkRows(f.db.pool, 100_000 + i * 1000, 200);
      backups.push(await runBackup(f.services.backup));
    }
  });
  afterAll(async () => {
    await f.cleanup();
    await rm(copyRoot, { recursive: true, force: true });
  });

  it('--dry-run shows the plan and changes nothing', async () => {
    const before = await stored();
    const env = {
      ...f.db.env, COTTON_MASTER_KEY: TEST_MASTER_KEY, COTTON_STORAGE_PATH: f.config.storage.root, COTTON_DATA_PATH: f.config.dataPath,
      COTTON_LOG_LEVEL: 'silent', COTTON_PLUGINS_PATH: PLUGINS_PATH, COTTON_BACKUP_COPIES: `disk2=file://${copyRoot}/repo`, ...KEEP_LAST_1,
    };
    const r = await runCliCaptured(env, 'prune', '--target', 'disk2', '--dry-run');
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`keep     ${backups[2]!.backupId}`);
    expect(r.stdout).toContain(`expire   ${backups[0]!.backupId}`);
    expect((await stored()).sort()).toEqual(before.sort());
    const unknown = await runCliCaptured(env, 'prune', '--target', 'nope');
    expect(unknown.stderr).toContain('no copy target "nope": COTTON_BACKUP_COPIES names disk2');
  });

  it('expires backups from the index at once, but deletes their objects only after the grace period', async () => {
    const older = new Set<string>();
    for (const b of backups.slice(0, 2)) for (const k of [b.manifestKey, ...(await readManifest(target(), b.manifestKey)).chunks.map((c) => c.storageKey)]) older.add(k);
    const latest = new Set([backups[2]!.manifestKey, ...(await readManifest(target(), backups[2]!.manifestKey)).chunks.map((c) => c.storageKey)]);
    const onlyOlder = [...older].filter((k) => !latest.has(k));
    expect(onlyOlder.length).toBeGreaterThan(0);

    const first = await pruneTarget(ctx(), f.services.settings.copies.targets[0]!);
    expect(first.deletedObjects).toBe(0);
    expect(first.waiting.sort()).toEqual(onlyOlder.sort());
    expect((await readBackupIndex(target(), f.masterEncryptionKey)).map((e) => e.backupId)).toEqual([backups[2]!.backupId]);

    const second = await pruneTarget(ctx(DAY + 60_000), f.services.settings.copies.targets[0]!);
    expect(second.deletedObjects).toBe(onlyOlder.length);
    expect(second.bytesFreed).toBeGreaterThan(0);
    const left = new Set(await stored());
    for (const k of onlyOlder) expect(left.has(k)).toBe(false);
    for (const k of latest) expect(left.has(k)).toBe(true);
    expect((await verifyBackup(target(), f.masterEncryptionKey)).problems).toEqual([]);
    const { rows } = await f.db.pool.query("SELECT data FROM cotton_backup.events WHERE type = 'TargetPruned' ORDER BY global_position");
    expect(rows.map((r) => r.data.deletedObjects)).toEqual([0, onlyOlder.length]);
    expect(rows[1].data.deletedKeys.sort()).toEqual(onlyOlder.sort());
  });

  it('an object written after the last prune (a copy in flight) is never deleted by the next one', async () => {
    const stray = 'ab'.repeat(32);
    await target().write(stray, Buffer.from('in flight'));
    const r = await pruneTarget(ctx(10 * DAY), f.services.settings.copies.targets[0]!);
    expect(r.waiting).toContain(stray);
    expect(await target().exists(stray)).toBe(true);
  });

  it('refuses while a copy holds the target, and under another master key', async () => {
    let locked = false;
    const held = await holdOnDedicatedConnection(f.db.pool, async (c) => void (locked = (await c.query(TRY_TARGET_LOCK, ['disk2'])).rows[0].locked), (c) => c.query(TARGET_UNLOCK, ['disk2']));
    try {
      expect(locked).toBe(true);
      await expect(pruneTarget(ctx(), f.services.settings.copies.targets[0]!)).rejects.toBeInstanceOf(TargetBusyError);
    } finally {
      await held.release();
    }
    const otherKey = { ...ctx(10 * DAY), masterEncryptionKey: deriveMasterEncryptionKey('another-master-key-0123456789abc') };
    await expect(pruneTarget(otherKey, f.services.settings.copies.targets[0]!)).rejects.toBeInstanceOf(PruneRefusedError);
    expect((await verifyBackup(target(), f.masterEncryptionKey)).problems).toEqual([]);
  });

  it('a copy run that completed prunes the target under the same lock', async () => {
    const count = async () => (await f.db.pool.query("SELECT count(*)::int AS n FROM cotton_backup.events WHERE type = 'TargetPruned'")).rows[0].n as number;
    const before = await count();
    await copyToTargets(f.services.copies);
    expect(await count()).toBe(before);
    f.services.copies.prune = prunePolicy;
    await copyToTargets(f.services.copies);
    expect(await count()).toBe(before + 1);
  });
});
