import { execFileSync } from 'node:child_process';
import { mkdir, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readManifest } from '../../plugins/backup/repository/manifest-store';
import { snapshotTables } from '../support/cotton-schema';
import pg from 'pg';
import { adminQuery, dropDatabase, testServer } from '../support/database';
import { flipByte } from '../restore/fixtures';
import { startS3Server, TEST_S3_ACCESS_KEY_ID, TEST_S3_SECRET } from '../support/s3-server';
import { checkEventChain, checkNoLeaks, checkPointerComplete, checks } from './checks';
import { cli, createFaultEnv, currentPointer, spawnCli } from './harness';
import type { Scenario } from './scenario';
import { checkTargetComplete, firstBackup, lastEvent, OFFSITE, targetPointer, withCopyEnv } from './copies-harness';

function midCopyCrash(point: string, step: string): Scenario {
  return {
    id: `copies: kill -9 ${step}`,
    group: 'copies',
    how: `folder copy target; a first backup copied; data changed; \`cotton-backup backup\` with COTTON_FAILPOINTS=${point}=exit (SIGKILL ${step}); then \`cotton-backup copies --sync\``,
    expect: "the target's pointer still names the previous, complete backup; the primary's backup is intact; the next copy completes and the target's pointer names the new backup",
    run: () =>
      withCopyEnv('fcopy', {}, async (c, { f, target }) => {
        const baseKey = await firstBackup(c, f);
        if (!baseKey) return;
        c.ok((await targetPointer(f, target)) === baseKey, 'the first backup is copied');
        await f.db.pool.query('UPDATE chunks SET stored_size_bytes = stored_size_bytes + 1');
        const crashed = await cli(f, ['backup', '--json'], { failpoints: `${point}=exit` });
        c.ok(crashed.signal === 'SIGKILL', `killed at ${point} (${crashed.code}, ${crashed.signal})`);
        c.ok((await targetPointer(f, target)) === baseKey, "the target's pointer still names the previous backup");
        await checkTargetComplete(c, f, target, 'after the kill');
        await checkPointerComplete(c, f);
        const sync = await cli(f, ['copies', '--sync']);
        c.ok(sync.code === 0, `the next copy completes (${sync.stderr.slice(-300)})`);
        c.ok((await targetPointer(f, target)) === (await currentPointer(f)), "the target's pointer names the new backup");
        await checkTargetComplete(c, f, target, 'after the next copy');
        await checkEventChain(c, f);
        await checkNoLeaks(c, f);
      }),
  };
}

/**
 * A folder target on a tmpfs of its own (needs root): a first backup copied, then `fault`, then a
 * backup that must succeed while its copy fails, then `heal` and a catch-up that must complete.
 */
function targetFault(name: string, how: string, fault: (root: string) => Promise<void>, heal: (root: string) => Promise<void>, words: RegExp): Scenario {
  return {
    id: `copies: target ${name}`,
    group: 'copies',
    how: `folder copy target on a 64 MiB tmpfs, ${how} after a first copied backup; data changed; \`cotton-backup backup\`; healed; \`copies --sync\``,
    expect: 'the backup itself succeeds; CopyFailed names the target and the reason; its pointer unchanged and complete; the next copy catches up',
    run: () =>
      withCopyEnv('fcopyfs', {}, async (c, { f, target, targetRoot }) => {
        await mkdir(targetRoot, { recursive: true });
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m,mode=0755', 'tmpfs', targetRoot]);
        try {
          const baseKey = await firstBackup(c, f);
          if (!baseKey) return;
          await fault(targetRoot);
          await f.db.pool.query('UPDATE chunks SET stored_size_bytes = stored_size_bytes + 1');
          const r = await cli(f, ['backup', '--json']);
          c.ok(r.code === 0, `the backup succeeds though the target cannot take it (${r.stderr.slice(-300)})`);
          const failed = await lastEvent(f, 'CopyFailed');
          c.ok(failed?.target === OFFSITE && words.test(failed.message), `CopyFailed names the target and why: ${JSON.stringify(failed)?.slice(0, 300)}`);
          c.note(`CopyFailed: "${String(failed?.message).replace(/[0-9a-f]{64}|[0-9a-f]{60}/g, '<key>').replace(/\/tmp\/[^ :)']*/g, '<target>').slice(0, 200)}"`);
          c.ok((await targetPointer(f, target)) === baseKey, "the target's pointer is unchanged");
          await checkTargetComplete(c, f, target, 'while the target is broken');
          await heal(targetRoot);
          const sync = await cli(f, ['copies', '--sync']);
          c.ok(sync.code === 0, `once healed, the next copy catches up (${sync.stderr.slice(-300)})`);
          c.ok((await targetPointer(f, target)) === (await currentPointer(f)), "the target's pointer names the newest backup");
          await checkTargetComplete(c, f, target, 'after the catch-up');
        } finally {
          execFileSync('umount', ['-l', targetRoot]);
        }
      }),
  };
}

export const copiesScenarios: Scenario[] = [
  midCopyCrash('copy.afterChunks', 'mid-copy (chunks sent, manifest not)'),
  midCopyCrash('copy.beforePointer', 'mid-copy (index written, pointer not)'),
  {
    id: 'copies: kill -9 mid-prune',
    group: 'copies',
    how: 'folder copy target with 2 backups, COTTON_BACKUP_KEEP_LAST=1, grace 0h; a first `prune` remembers the unmarked objects, a second is killed after its first delete (COTTON_FAILPOINTS=prune.afterDelete=exit); then `prune` again',
    expect: "the target's pointer names a complete backup at every step; the next prune completes; verify --target passes",
    run: () =>
      withCopyEnv('fprune', {}, async (c, { f, target }) => {
        // The primary keeps both (its own policy is applied by the backup): only the target's prune expires.
        const keep1 = { COTTON_BACKUP_KEEP_LAST: '1', COTTON_BACKUP_KEEP_DAILY: '0', COTTON_BACKUP_KEEP_WEEKLY: '0', COTTON_BACKUP_KEEP_MONTHLY: '0', COTTON_BACKUP_COPY_PRUNE_GRACE: '0h' };
        for (let i = 0; i < 2; i++) {
          const b = await cli(f, ['backup']);
          if (!c.ok(b.code === 0, `backup ${i + 1} succeeds (${b.stderr.slice(-300)})`)) return;
          await f.db.pool.query('UPDATE chunks SET stored_size_bytes = stored_size_bytes + 1');
        }
        const first = await cli(f, ['prune', '--target', OFFSITE], { env: keep1 });
        c.ok(first.code === 0, `the first prune succeeds (${first.stderr.slice(-300)})`);
        const killed = await cli(f, ['prune', '--target', OFFSITE], { env: keep1, failpoints: 'prune.afterDelete=exit' });
        c.ok(killed.signal === 'SIGKILL', `the second prune is killed after a delete (${killed.code}, ${killed.signal}: ${killed.stderr.slice(-200)})`);
        await checkTargetComplete(c, f, target, 'after the kill');
        const next = await cli(f, ['prune', '--target', OFFSITE], { env: keep1 });
        c.ok(next.code === 0, `the next prune completes (${next.stderr.slice(-300)})`);
        const pruned = await lastEvent(f, 'TargetPruned');
        c.ok(pruned && pruned.deletedObjects > 0, `the next prune deletes the rest (${JSON.stringify(pruned)?.slice(0, 200)})`);
        const v = await cli(f, ['verify', '--target', OFFSITE]);
        c.ok(v.code === 0, `verify --target passes (${v.stdout.slice(-200)})`);
        await checkEventChain(c, f);
      }),
  },
  targetFault(
    'read-only',
    'remounted read-only (`mount -o remount,ro`)',
    async (root) => void execFileSync('mount', ['-o', 'remount,ro', root]),
    async (root) => void execFileSync('mount', ['-o', 'remount,rw', root]),
    /read-only|EROFS/,
  ),
  targetFault(
    'full',
    'filled to the last 8 KiB by a filler file',
    async (root) => {
      const s = await statfs(root);
      await writeFile(join(root, 'filler'), Buffer.alloc(Math.max(0, s.bavail * s.bsize - 8192)));
    },
    (root) => rm(join(root, 'filler')),
    /the disk is full|ENOSPC/,
  ),
  {
    id: 'copies: S3 target disappears and comes back',
    group: 'copies',
    how: 'S3 copy target (s3rver behind a proxy); a first backup copied; the server cuts every connection; a second backup; the server is back; a third backup',
    expect: 'the second backup succeeds and records CopyFailed; the third copy catches up the missed backup and its own; the copy verifies',
    async run() {
      const c = checks();
      const s3 = await startS3Server();
      const bucket = await s3.createBucket('fcopy');
      const f = await createFaultEnv('fcopys3');
      Object.assign(f.env, {
        COTTON_BACKUP_COPIES: `${OFFSITE}=s3://${bucket}/copies`, COTTON_BACKUP_COPY_ATTEMPTS: '2',
        AWS_ENDPOINT_URL: s3.endpoint, AWS_ACCESS_KEY_ID: TEST_S3_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: TEST_S3_SECRET, AWS_REGION: 'us-east-1',
      });
      try {
        const ok1 = await cli(f, ['backup']);
        if (!c.ok(ok1.code === 0, `the first backup succeeds (${ok1.stderr.slice(-300)})`)) return c;
        s3.setDown(true);
        await f.db.pool.query('UPDATE chunks SET stored_size_bytes = stored_size_bytes + 1');
        const down = await cli(f, ['backup', '--json']);
        c.ok(down.code === 0, `the backup succeeds while the target is down (${down.stderr.slice(-300)})`);
        const missed = down.code === 0 ? (JSON.parse(down.stdout).backupId as string) : '';
        c.ok((await lastEvent(f, 'CopyFailed'))?.backupId === missed, 'CopyFailed is recorded for it');
        s3.setDown(false);
        await f.db.pool.query('UPDATE chunks SET stored_size_bytes = stored_size_bytes + 1');
        const back = await cli(f, ['backup']);
        c.ok(back.code === 0, `the next backup succeeds (${back.stderr.slice(-300)})`);
        const { rows } = await f.db.pool.query("SELECT backup_id FROM cotton_backup.copied_backups WHERE target = $1", [OFFSITE]);
        c.ok(rows.some((r) => r.backup_id === missed), 'the missed backup was caught up');
        const v = await cli(f, ['verify', '--target', OFFSITE]);
        c.ok(v.code === 0, `verify --target passes (${v.stdout.slice(-200)} ${v.stderr.slice(-200)})`);
        await checkNoLeaks(c, f);
      } finally {
        await f.cleanup();
        await s3.stop();
      }
      return c;
    },
  },
  {
    id: 'copies: corrupted object in the target',
    group: 'copies',
    how: "one byte flipped in a chunk of the target's latest backup; `verify --target`; `restore --from` into a new database; `copies --sync`; `verify --target`",
    expect: 'verify exits 5 naming the chunk; restore refuses it (exit 1, nothing restored); the next copy rewrites it; verify passes',
    run: () =>
      withCopyEnv('fcopybad', {}, async (c, { f, target }) => {
        const manifestKey = await firstBackup(c, f);
        if (!manifestKey) return;
        const scratch = `${f.db.name}_from`;
        const chunk = (await readManifest(target, manifestKey)).chunks[0]!.storageKey;
        await flipByte(target.objectPath(chunk));
        const v = await cli(f, ['verify', '--target', OFFSITE]);
        c.ok(v.code === 5 && v.stdout.includes(chunk), `verify --target finds the damaged chunk (exit ${v.code})`);
        const r = await cli(f, ['restore', '--from', OFFSITE, '--target-database', scratch]);
        await adminQuery(`DROP DATABASE IF EXISTS "${scratch}" WITH (FORCE)`);
        c.ok(r.code === 1 && /refused/.test(r.stderr), `restore --from refuses it (exit ${r.code}: ${r.stderr.slice(-200)})`);
        const sync = await cli(f, ['copies', '--sync']);
        c.ok(sync.code === 0, `the next copy succeeds (${sync.stderr.slice(-300)})`);
        c.ok(((await lastEvent(f, 'CopyCompleted'))?.repairedKeys ?? []).includes(chunk), 'CopyCompleted names the repaired chunk');
        const again = await cli(f, ['verify', '--target', OFFSITE]);
        c.ok(again.code === 0, `verify --target passes after the copy (${again.stdout.slice(-200)})`);
      }),
  },
  {
    id: 'copies: primary lost, only a copy left',
    group: 'copies',
    how: 'a backup copied to a folder target; the database dropped and recreated empty AND the primary storage root deleted; `serve` with COTTON_RESTORE_DATABASE_IF_EMPTY=true',
    expect: 'the host restores from the copy target (RestoreStarted names it), every table equal; the primary storage is re-seeded: its pointer names the backup and it verifies',
    run: () =>
      withCopyEnv('fcopylost', { COTTON_RESTORE_DATABASE_IF_EMPTY: 'true' }, async (c, { f }) => {
        const manifestKey = await firstBackup(c, f);
        if (!manifestKey) return;
        let pool: pg.Pool | undefined;
        try {
          const before = await snapshotTables(f.db.pool);
          await f.db.pool.end();
          await dropDatabase(f.db.name);
          await adminQuery(`CREATE DATABASE "${f.db.name}"`);
          await rm(f.storageRoot, { recursive: true, force: true });
          pool = new pg.Pool({ ...testServer, database: f.db.name, max: 2 });
          pool.on('error', () => undefined);
          pool.on('connect', (client) => client.on('error', () => undefined));
          const host = spawnCli(f, ['serve']);
          try {
            await host.waitFor(/"msg":"host serving"/, 120_000);
            c.ok(/restored backup [0-9a-f]{32} from copy target offsite/.test(host.stderr()), 'the log says where the backup came from');
          } finally {
            host.killGroup('SIGTERM');
            await host.done;
          }
          const { rows } = await pool.query("SELECT data FROM cotton_backup.events WHERE type = 'RestoreStarted' ORDER BY global_position DESC LIMIT 1");
          c.ok(rows[0]?.data.source === OFFSITE, `RestoreStarted names the copy target (${JSON.stringify(rows[0]?.data)?.slice(0, 200)})`);
          const after = await snapshotTables(pool);
          const differ = Object.keys({ ...before, ...after }).filter((t) => t !== 'public.notifications' && before[t] !== after[t]);
          c.ok(differ.length === 0, `every table equal (notifications: plus the restore notice); differ: ${differ.join(', ')}`);
          c.ok((await currentPointer(f)) === manifestKey, "the primary storage is re-seeded: its pointer names the restored backup");
          await checkPointerComplete(c, f);
        } finally {
          await pool?.end().catch(() => undefined);
        }
      }),
  },
];
