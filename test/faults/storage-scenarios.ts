import { execFileSync } from 'node:child_process';
import { mkdir, readdir, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkEventChain, checkNoLeaks, checkNothingRunning, checkPointerComplete, checks, tempFiles, type Checks } from './checks';
import { snapshotTables } from '../support/cotton-schema';
import { createTestDatabase } from '../support/database';
import { cli, createFaultEnv, currentPointer, type FaultEnv } from './harness';
import type { Scenario } from './scenario';

/** The storage root becomes a small tmpfs of its own (needs root; the sandbox allows mount). */
function mountTmpfs(dir: string, size: string): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir]);
}

function unmount(dir: string): void {
  try {
    execFileSync('umount', ['-l', dir]);
  } catch {
    // not mounted
  }
}

async function lastFailure(f: FaultEnv) {
  const { rows } = await f.db.pool.query("SELECT data FROM cotton_backup.events WHERE type = 'BackupFailed' ORDER BY global_position DESC LIMIT 1");
  return rows[0]?.data as { step: string; message: string } | undefined;
}

/** A backup on a tmpfs root, then `fault`, then a backup that must fail cleanly, then `heal` and a backup that must succeed. */
async function storageFault(id: string, fault: (f: FaultEnv) => Promise<void>, heal: (f: FaultEnv) => Promise<void>, words: RegExp): Promise<Checks> {
  const c = checks();
  const f = await createFaultEnv('fdisk');
  await mkdir(f.storageRoot, { recursive: true });
  mountTmpfs(f.storageRoot, '8m');
  try {
    const base = await cli(f, ['backup', '--json']);
    if (!c.ok(base.code === 0, `the first backup fits (${base.stderr.slice(-300)})`)) return c;
    const baseKey = JSON.parse(base.stdout).manifestKey;
    await f.db.pool.query('UPDATE chunks SET stored_size_bytes = stored_size_bytes + 1');
    await fault(f);
    const r = await cli(f, ['backup']);
    const line = r.stderr.split('\n').find((l) => l.startsWith('cotton-backup:')) ?? '';
    c.ok(r.code !== 0 && r.signal === null, `the backup fails with an exit code (${r.code}, ${r.signal})`);
    c.ok(words.test(line), `the message says why in words: ${line.slice(0, 300)}`);
    c.note(`${id}: "${line.replace(/[0-9a-f]{64}/, '<key>').replace(/\/tmp\/[^:]*/, '<root>').slice(0, 200)}"`);
    const failure = await lastFailure(f);
    // `backup` probes the root as `serve` does (issue 27 point 0b): a root already read-only is
    // refused before the backup starts, so nothing is recorded; a fault met mid-way is BackupFailed.
    const started = (await f.db.pool.query("SELECT count(*)::int AS n FROM cotton_backup.events WHERE type = 'BackupStarted'")).rows[0].n;
    const refusedByProbe = !failure && started === 1 && /^cotton-backup: storage root .* is not usable: cannot /.test(line);
    c.ok(
      refusedByProbe || (failure && ['chunk', 'manifest', 'pointer'].includes(failure.step) && words.test(failure.message)),
      `BackupFailed is recorded with the reason, or the probe refused the root before a backup started (${JSON.stringify(failure)?.slice(0, 200)})`,
    );
    c.ok((await currentPointer(f)) === baseKey, 'the pointer is unchanged');
    await checkPointerComplete(c, f);
    await checkNothingRunning(c, f);
    await heal(f);
    c.ok((await tempFiles(f)).length === 0, 'the failed writes left no temp file');
    const next = await cli(f, ['backup']);
    c.ok(next.code === 0, `once healed, the next backup succeeds (${next.stderr.slice(-300)})`);
    await checkPointerComplete(c, f);
    await checkEventChain(c, f);
    await checkNoLeaks(c, f);
  } finally {
    unmount(f.storageRoot);
    await f.cleanup();
  }
  return c;
}

const filler = (f: FaultEnv) => join(f.storageRoot, 'filler');

/**
 * A backup; then `cotton-backup restore` into an empty database with the data folder (where the
 * verified dump is rebuilt) on a 256 KiB tmpfs: the restore must say the disk is full — not that a
 * chunk is damaged — leave the target empty and no dump behind, and succeed once there is room.
 */
async function workFolderFull(): Promise<Checks> {
  const c = checks();
  const f = await createFaultEnv('fwork');
  const target = await createTestDatabase('fworkt');
  try {
    const base = await cli(f, ['backup']);
    if (!c.ok(base.code === 0, `the backup succeeds (${base.stderr.slice(-300)})`)) return c;
    const expected = await snapshotTables(f.db.pool);
    const untouched = await snapshotTables(target.pool);
    await mkdir(f.dataPath, { recursive: true });
    mountTmpfs(f.dataPath, '256k');
    try {
      const r = await cli(f, ['restore', '--target-database', target.name]);
      const line = r.stderr.split('\n').find((l) => l.startsWith('cotton-backup:')) ?? '';
      c.ok(r.code !== 0 && r.signal === null, `the restore fails with an exit code (${r.code}, ${r.signal})`);
      c.ok(/verified dump file .*the disk is full/.test(line), `the message says the work folder is full: ${line.slice(0, 300)}`);
      c.ok(!/unreadable|damaged|decrypt|hash/i.test(line), 'the backup is not blamed (no "unreadable", "damaged", "decrypt" or "hash")');
      c.note(`work folder full: "${line.replace(/\/tmp\/[^:]*/, '<data>').slice(0, 200)}"`);
      c.ok(JSON.stringify(await snapshotTables(target.pool)) === JSON.stringify(untouched), 'the target database is left as it was (nothing written, nothing dropped)');
      const left = (await readdir(join(f.dataPath, 'restore-tmp')).catch(() => [] as string[])).filter((n) => n.endsWith('.dump'));
      c.ok(left.length === 0, `no dump file is left in the work folder (${left.join(', ')})`);
    } finally {
      unmount(f.dataPath);
    }
    const again = await cli(f, ['restore', '--target-database', target.name]);
    c.ok(again.code === 0, `with room again, the restore succeeds (${again.stderr.slice(-300)})`);
    const cottonTables = (snapshot: Record<string, string>) =>
      Object.entries(snapshot).filter(([table]) => table.startsWith('public.') && table !== 'public.notifications');
    const restored = cottonTables(await snapshotTables(target.pool));
    c.ok(restored.length > 0 && JSON.stringify(restored) === JSON.stringify(cottonTables(expected)), "and Cotton's tables equal the backed-up data");
  } finally {
    await target.drop();
    await f.cleanup();
  }
  return c;
}

export const storageScenarios: Scenario[] = [
  {
    id: 'storage: disk full during a backup',
    group: 'storage',
    how: 'storage root on an 8 MiB tmpfs (`mount -t tmpfs -o size=8m`), filled to the last 8 KiB by a filler file after a first backup; the data changed; `cotton-backup backup`',
    expect: 'exit 1, "the disk is full" (ENOSPC); BackupFailed; pointer unchanged; no temp file; next backup succeeds once space is freed',
    run: () =>
      storageFault(
        'ENOSPC on tmpfs',
        async (f) => {
          const s = await statfs(f.storageRoot);
          await writeFile(filler(f), Buffer.alloc(Math.max(0, s.bavail * s.bsize - 8192)));
        },
        (f) => rm(filler(f)),
        /the disk is full/,
      ),
  },
  {
    id: 'storage: read-only root during a backup',
    group: 'storage',
    how: 'storage root on a tmpfs remounted read-only (`mount -o remount,ro`) after a first backup; `cotton-backup backup`',
    expect: 'exit 1, "the file system is read-only" (EROFS), refused by the probe before the backup starts (as `serve` is); pointer unchanged; next backup succeeds once writable',
    run: () =>
      storageFault(
        'EROFS on tmpfs',
        async (f) => void execFileSync('mount', ['-o', 'remount,ro', f.storageRoot]),
        async (f) => void execFileSync('mount', ['-o', 'remount,rw', f.storageRoot]),
        /read-only/,
      ),
  },
  {
    id: 'storage: work folder full during a restore',
    group: 'storage',
    how: 'after a backup, COTTON_DATA_PATH on a 256 KiB tmpfs (the restore rebuilds the verified dump there); `cotton-backup restore --target-database <empty>`',
    expect: 'exit 1, "cannot write the verified dump file …: the disk is full", the backup not blamed; target empty; no dump left; the restore succeeds once there is room',
    run: workFolderFull,
  },
];
