/**
 * #27 points 2–6: the copy paths where trusting the wrong bytes loses data or hands back an older
 * backup without a word. Each scenario is the fault the review produced, end to end through the CLI.
 */
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { pointerStorageKey } from '../../src/keys/keys';
import { createStorage } from '../../src/storage/open/create-storage';
import { digestStream } from '../../src/storage/digest';
import type { ObjectStorage } from '../../src/storage/object-storage';
import { backupIndexKey } from '../../plugins/backup/repository/backup-index';
import { readManifest } from '../../plugins/backup/repository/manifest-store';
import { verifyBackup } from '../../plugins/backup/verify/verify-backup';
import { snapshotTables } from '../support/cotton-schema';
import { adminQuery } from '../support/database';
import { checkPointerComplete, type Checks } from './checks';
import { cli, currentPointer, type FaultEnv } from './harness';
import { startupRestore } from './startup-restore';
import type { Scenario } from './scenario';
import { lastEvent, OFFSITE, targetPointer, withCopyEnv } from './copies-harness';

/** A backup run with the copy target switched off: the target misses it. */
const NO_COPIES = { env: { COTTON_BACKUP_COPIES: '' } };
const change = (f: FaultEnv) => f.db.pool.query('UPDATE chunks SET stored_size_bytes = stored_size_bytes + 1');

async function backup(c: Checks, f: FaultEnv, what: string, options = {}): Promise<{ backupId: string; manifestKey: string } | undefined> {
  const r = await cli(f, ['backup', '--json'], options);
  if (!c.ok(r.code === 0, `${what} succeeds (${r.stderr.slice(-300)})`)) return undefined;
  return JSON.parse(r.stdout);
}


/** Keys of the backup's manifest and chunks that the storage lacks or holds damaged (each must decrypt and hash to its key). */
async function damagedObjects(storage: ObjectStorage, manifestKey: string): Promise<string[]> {
  const manifest = await readManifest(storage, manifestKey).catch(() => undefined);
  if (!manifest) return [manifestKey];
  const damaged: string[] = [];
  for (const key of new Set(manifest.chunks.map((x) => x.storageKey))) {
    const sha = await digestStream((await storage.read(key)) as AsyncIterable<Uint8Array>).then((d) => d.sha256, () => undefined);
    if (sha !== key) damaged.push(key);
  }
  return damaged;
}

function differingTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys({ ...before, ...after }).filter((t) => t !== 'public.notifications' && before[t] !== after[t]);
}

export const copyTrustScenarios: Scenario[] = [
  {
    id: 'copies: test restore from a lagging target',
    group: 'copies',
    how: 'backup 1 copied; backup 2 taken while the target is off (COTTON_BACKUP_COPIES empty); `restore --from offsite --target-database <scratch>` (the README\'s test restore); the database dropped; `serve` with COTTON_RESTORE_DATABASE_IF_EMPTY=true',
    expect: "the primary's pointer still names backup 2 (PrimaryReseedSkipped, not_cottons_database); the startup restore brings back backup 2, every table equal",
    run: () =>
      withCopyEnv('ftrust2', {}, async (c, { f }) => {
        if (!(await backup(c, f, 'backup 1 (copied)'))) return;
        await change(f);
        const second = await backup(c, f, 'backup 2 (target off)', NO_COPIES);
        if (!second) return;
        const before = await snapshotTables(f.db.pool);
        const scratch = `${f.db.name}_scratch`;
        const r = await cli(f, ['restore', '--from', OFFSITE, '--target-database', scratch, '--json']);
        await adminQuery(`DROP DATABASE IF EXISTS "${scratch}" WITH (FORCE)`);
        c.ok(r.code === 0, `the test restore from the target succeeds (${r.stderr.slice(-300)})`);
        c.ok((await currentPointer(f)) === second.manifestKey, "the primary's pointer still names backup 2");
        c.ok((await lastEvent(f, 'PrimaryReseedSkipped'))?.reason === 'not_cottons_database', 'the skipped re-seed is recorded with its reason');
        const pool = await startupRestore(c, f);
        try {
          const { rows } = await pool.query("SELECT data FROM cotton_backup.events WHERE type = 'Restored' ORDER BY global_position DESC LIMIT 1");
          c.ok(rows[0]?.data.backupId === second.backupId, `the startup restore brings back backup 2 (${JSON.stringify(rows[0]?.data)?.slice(0, 200)})`);
          const differ = differingTables(before, await snapshotTables(pool));
          c.ok(differ.length === 0, `every table equal to backup 2's; differ: ${differ.join(', ')}`);
        } finally {
          await pool.end().catch(() => undefined);
        }
      }),
  },
  {
    id: 'copies: unreadable index in the target',
    group: 'copies',
    how: "4 backups copied; the target's index object overwritten with bytes that are not a container; backup 5 (copied); `prune --target` with the default policy and grace 0h",
    expect: "the index is rebuilt, not replaced by one entry (the copy's event says rebuilt); the prune deletes nothing; all 5 backups in the target verify",
    run: () =>
      withCopyEnv('ftrust3', { COTTON_BACKUP_COPY_PRUNE_GRACE: '0h' }, async (c, { f, target }) => {
        const ids: string[] = [];
        for (let i = 1; i <= 4; i++) {
          const b = await backup(c, f, `backup ${i}`);
          if (!b) return;
          ids.push(b.backupId);
          await change(f);
        }
        await writeFile(target.objectPath(backupIndexKey(f.masterEncryptionKey)), 'not a container');
        const fifth = await backup(c, f, 'backup 5 with the index unreadable');
        if (!fifth) return;
        ids.push(fifth.backupId);
        const prune = await cli(f, ['prune', '--target', OFFSITE, '--json']);
        c.ok(prune.code === 0, `the prune runs (${prune.stderr.slice(-300)})`);
        for (const [i, backupId] of ids.entries()) {
          const report = await verifyBackup(target, f.masterEncryptionKey, { backupId });
          c.ok(report.problems.length === 0, `backup ${i + 1} is still whole in the target (${report.problems.slice(0, 3).map((p) => `${p.key.slice(0, 12)} ${p.problem}`).join(', ')})`);
        }
      }),
  },
  {
    id: 'copies: target rolled back by whoever can write it',
    group: 'copies',
    how: "backup 1 copied; the target's pointer and index saved; backup 2 copied; the saved bytes written back (a genuine older state); `verify --target`, `restore --from` into a scratch database, `prune --target` (keep last 1, grace 0h)",
    expect: 'verify exits 5 (pointer_behind); restore --from refuses without --backup and creates no database; prune refuses and deletes nothing: backup 2 stays whole in the target',
    run: () =>
      withCopyEnv('ftrust4', {}, async (c, { f, target }) => {
        if (!(await backup(c, f, 'backup 1'))) return;
        const saved = [pointerStorageKey(f.masterEncryptionKey), backupIndexKey(f.masterEncryptionKey)].map((k) => target.objectPath(k));
        const bytes = await Promise.all(saved.map((p) => readFile(p)));
        await change(f);
        const second = await backup(c, f, 'backup 2');
        if (!second) return;
        await Promise.all(saved.map((p, i) => writeFile(p, bytes[i]!)));
        const v = await cli(f, ['verify', '--target', OFFSITE]);
        c.ok(v.code === 5 && /pointer_behind/.test(v.stdout + v.stderr), `verify --target reports the rollback (exit ${v.code}: ${v.stdout.slice(-200)})`);
        const scratch = `${f.db.name}_scratch`;
        const r = await cli(f, ['restore', '--from', OFFSITE, '--target-database', scratch]);
        const { rowCount } = await f.db.pool.query('SELECT 1 FROM pg_database WHERE datname = $1', [scratch]);
        await adminQuery(`DROP DATABASE IF EXISTS "${scratch}" WITH (FORCE)`);
        c.ok(r.code !== 0 && /--backup/.test(r.stderr), `restore --from refuses the older backup and says how to choose (exit ${r.code}: ${r.stderr.slice(-200)})`);
        c.ok(rowCount === 0, 'the refused restore created no database');
        const keep1 = { COTTON_BACKUP_KEEP_LAST: '1', COTTON_BACKUP_KEEP_DAILY: '0', COTTON_BACKUP_KEEP_WEEKLY: '0', COTTON_BACKUP_KEEP_MONTHLY: '0', COTTON_BACKUP_COPY_PRUNE_GRACE: '0h' };
        for (let i = 0; i < 2; i++) {
          const p = await cli(f, ['prune', '--target', OFFSITE], { env: keep1 });
          c.ok(p.code !== 0, `prune ${i + 1} refuses the rolled-back target (exit ${p.code})`);
        }
        const damaged = await damagedObjects(target, second.manifestKey);
        c.ok(damaged.length === 0, `backup 2 is still whole in the target (lacks ${damaged.slice(0, 3).join(', ')})`);
      }),
  },
  {
    id: 'copies: one unreadable old backup in the catch-up',
    group: 'copies',
    how: "backups 1 and 2 taken with the target off; a chunk only backup 1 uses deleted from the primary; `copies --sync`",
    expect: "backup 2 is copied (the target's pointer names it, it verifies); CopyFailed names backup 1 and why; `copies --sync` exits 1 naming it",
    run: () =>
      withCopyEnv('ftrust5', {}, async (c, { f, target }) => {
        const first = await backup(c, f, 'backup 1 (target off)', NO_COPIES);
        await change(f);
        const second = await backup(c, f, 'backup 2 (target off)', NO_COPIES);
        if (!first || !second) return;
        const inSecond = new Set((await readManifest(f.storage, second.manifestKey)).chunks.map((x) => x.storageKey));
        const onlyFirst = (await readManifest(f.storage, first.manifestKey)).chunks.find((x) => !inSecond.has(x.storageKey));
        if (!c.ok(onlyFirst, 'backup 1 has a chunk backup 2 does not use')) return;
        await rm(createStorage({ root: f.storageRoot, masterEncryptionKey: f.masterEncryptionKey }).objectPath(onlyFirst!.storageKey));
        const sync = await cli(f, ['copies', '--sync']);
        c.ok(sync.code === 1 && sync.stdout.includes(`failed on ${first.backupId}`), `copies --sync fails and names the skipped backup (exit ${sync.code})`);
        c.ok((await targetPointer(f, target)) === second.manifestKey, "the target's pointer names backup 2");
        const report = await verifyBackup(target, f.masterEncryptionKey, { backupId: second.backupId });
        c.ok(report.problems.length === 0, 'backup 2 verifies in the target');
        const failed = await lastEvent(f, 'CopyFailed');
        c.ok(failed?.backupId === first.backupId && typeof failed.message === 'string' && failed.message.length > 0, `CopyFailed names backup 1 and why (${JSON.stringify(failed)?.slice(0, 200)})`);
      }),
  },
  {
    id: 'copies: primary storage restored from an older snapshot',
    group: 'copies',
    how: 'backup 1 copied; the primary storage root saved (a volume snapshot); backup 2 copied; the primary root replaced by the snapshot; the database dropped; `serve` with COTTON_RESTORE_DATABASE_IF_EMPTY=true',
    expect: "backup 2 is restored from the copy target, every table equal; the admin notification names the target and why; the primary's pointer is moved forward to backup 2",
    run: () =>
      withCopyEnv('ftrust6', {}, async (c, { f }) => {
        if (!(await backup(c, f, 'backup 1'))) return;
        const snapshot = `${f.root}/snapshot`;
        await cp(f.storageRoot, snapshot, { recursive: true });
        await change(f);
        const second = await backup(c, f, 'backup 2');
        if (!second) return;
        const before = await snapshotTables(f.db.pool);
        await rm(f.storageRoot, { recursive: true, force: true });
        await cp(snapshot, f.storageRoot, { recursive: true });
        const pool = await startupRestore(c, f);
        try {
          const { rows } = await pool.query("SELECT data FROM cotton_backup.events WHERE type = 'Restored' ORDER BY global_position DESC LIMIT 1");
          c.ok(rows[0]?.data.backupId === second.backupId, `backup 2 is restored (${JSON.stringify(rows[0]?.data)?.slice(0, 200)})`);
          const differ = differingTables(before, await snapshotTables(pool));
          c.ok(differ.length === 0, `every table equal to backup 2's; differ: ${differ.join(', ')}`);
          const told = await pool.query('SELECT content FROM notifications ORDER BY created_at DESC LIMIT 1');
          c.ok(/copy target offsite, the source with the newest backup/.test(told.rows[0]?.content ?? ''), `the notification says where from and why (${String(told.rows[0]?.content).slice(0, 300)})`);
          c.ok((await currentPointer(f)) === second.manifestKey, "the primary's pointer is moved forward to backup 2");
          await checkPointerComplete(c, f);
        } finally {
          await pool.end().catch(() => undefined);
        }
      }),
  },
];
