/** What the copies fault scenarios share: a deployment with a folder copy target, and checks on it. */
import { join } from 'node:path';
import { pointerStorageKey } from '../../src/keys/keys';
import { createStorage, type FilesystemObjectStorage } from '../../src/storage/open/create-storage';
import { readPointer } from '../../plugins/backup/repository/manifest-store';
import { verifyBackup } from '../../plugins/backup/verify/verify-backup';
import { checks, type Checks } from './checks';
import { cli, createFaultEnv, type FaultEnv } from './harness';

export const OFFSITE = 'offsite';

/** A deployment with a folder copy target beside (not inside) its storage root. */
export async function copyEnv(prefix: string, env: Record<string, string> = {}): Promise<{ f: FaultEnv; target: FilesystemObjectStorage; targetRoot: string }> {
  const f = await createFaultEnv(prefix);
  const targetRoot = join(f.root, 'offsite');
  f.env.COTTON_BACKUP_COPIES = `${OFFSITE}=file://${targetRoot}`;
  f.env.COTTON_BACKUP_COPY_ATTEMPTS = '1';
  Object.assign(f.env, env);
  return { f, targetRoot, target: createStorage({ root: targetRoot, masterEncryptionKey: f.masterEncryptionKey }) };
}

export async function targetPointer(f: FaultEnv, target: FilesystemObjectStorage): Promise<string | undefined> {
  return (await readPointer(target, pointerStorageKey(f.masterEncryptionKey)).catch(() => undefined))?.latestManifestStorageKey;
}

/** The target's pointer names a backup every object of which is there and verifies. */
export async function checkTargetComplete(c: Checks, f: FaultEnv, target: FilesystemObjectStorage, what: string): Promise<void> {
  const pointer = await readPointer(target, pointerStorageKey(f.masterEncryptionKey));
  if (!c.ok(pointer, `${what}: the target has a pointer`)) return;
  const report = await verifyBackup(target, f.masterEncryptionKey, { backupId: pointer!.latestBackupId });
  c.ok(report.problems.length === 0, `${what}: the backup the target's pointer names is complete (${report.problems.map((p) => `${p.key.slice(0, 12)} ${p.problem}`).join(', ')})`);
}

export async function lastEvent(f: FaultEnv, type: string): Promise<Record<string, any> | undefined> {
  const { rows } = await f.db.pool.query('SELECT data FROM cotton_backup.events WHERE type = $1 ORDER BY global_position DESC LIMIT 1', [type]);
  return rows[0]?.data;
}

/** The first backup (with its copy); undefined, recorded as a failed check, when it fails. */
export async function firstBackup(c: Checks, f: FaultEnv): Promise<string | undefined> {
  const base = await cli(f, ['backup', '--json']);
  if (!c.ok(base.code === 0, `the first backup succeeds (${base.stderr.slice(-300)})`)) return undefined;
  return JSON.parse(base.stdout).manifestKey as string;
}

/** Runs `body` in a fresh deployment with a folder copy target, and always cleans it up. */
export async function withCopyEnv(prefix: string, env: Record<string, string>, body: (c: Checks, e: Awaited<ReturnType<typeof copyEnv>>) => Promise<void>): Promise<Checks> {
  const c = checks();
  const e = await copyEnv(prefix, env);
  try {
    await body(c, e);
  } finally {
    await e.f.cleanup();
  }
  return c;
}

