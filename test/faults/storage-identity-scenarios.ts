import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { dropDatabase, uniqueDatabaseName } from '../support/database';
import { checkEventChain, checkNoLeaks, checks, type Checks } from './checks';
import { cli, createFaultEnv, currentPointer, spawnCli, type FaultEnv } from './harness';
import type { Scenario } from './scenario';

const OTHER_KEY = 'another-valid-key-0123456789abcd';

async function objectCount(f: FaultEnv): Promise<number> {
  let n = 0;
  for await (const _key of f.storage.list()) n++;
  return n;
}

async function eventCount(f: FaultEnv, type: string): Promise<number> {
  return (await f.db.pool.query('SELECT count(*)::int AS n FROM cotton_backup.events WHERE type = $1', [type])).rows[0].n;
}

const errorLine = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('cotton-backup:'));

/** `serve` started with `env`; true when it served (then stopped), with what it printed. */
async function serves(f: FaultEnv, env: Record<string, string>): Promise<{ served: boolean; stderr: string }> {
  const host = spawnCli(f, ['serve'], { env, timeoutMs: 60_000 });
  const served = await host.waitFor(/"msg":"host serving"/, 30_000).then(() => true, () => false);
  host.killGroup('SIGTERM');
  return { served, stderr: (await host.done).stderr };
}

/** Issue 27 point 0: another valid key against a storage with backups. */
async function wrongKey(s3: boolean): Promise<Checks> {
  const c = checks();
  const f = await createFaultEnv(s3 ? 'fkeys3' : 'fkey', { s3 });
  const scratch = uniqueDatabaseName('fkey_restore');
  try {
    const first = await cli(f, ['backup', '--json']);
    if (!c.ok(first.code === 0, `a first backup under the right key (${first.stderr.slice(-300)})`)) return c;
    const objects = await objectCount(f);
    const pointer = await currentPointer(f);
    const started = await eventCount(f, 'BackupStarted');

    const backup = await cli(f, ['backup'], { env: { COTTON_MASTER_KEY: OTHER_KEY } });
    const lines = errorLine(backup.stderr);
    c.ok(backup.code !== 0, `the backup under another key fails (exit ${backup.code})`);
    c.ok(lines.length === 1 && /^cotton-backup: COTTON_MASTER_KEY does not open storage .*; nothing was written/.test(lines[0]!), `one line naming COTTON_MASTER_KEY (${lines.join(' / ').slice(0, 300)})`);
    c.note(`wrong key: "${(lines[0] ?? '').replace(/\/tmp\/[^: ]*/, '<root>').replace(/[0-9a-f]{32}/, '<id>').slice(0, 220)}"`);
    c.ok((await objectCount(f)) === objects, 'no object was written');
    c.ok((await eventCount(f, 'BackupStarted')) === started, 'no backup was started or recorded');
    c.ok((await currentPointer(f)) === pointer, 'the pointer is unchanged');

    const restore = await cli(f, ['restore', '--target-database', scratch], { env: { COTTON_MASTER_KEY: OTHER_KEY } });
    c.ok(restore.code !== 0 && /COTTON_MASTER_KEY/.test(restore.stderr), `a restore under another key is refused naming the variable (${errorLine(restore.stderr).join(' ').slice(0, 200)})`);
    const created = await f.db.pool.query('SELECT 1 FROM pg_database WHERE datname = $1', [scratch]);
    c.ok(created.rows.length === 0, 'the refused restore created no database');

    const serve = await serves(f, { COTTON_MASTER_KEY: OTHER_KEY });
    c.ok(!serve.served && /COTTON_MASTER_KEY does not open storage/.test(serve.stderr), '`serve` under another key does not start, naming the variable');

    const again = await cli(f, ['backup', '--json']);
    c.ok(again.code === 0 && JSON.parse(again.stdout).reusedChunks > 0, `the right key backs up again, reusing its own chunks (${again.stderr.slice(-200)})`);
    const verify = await cli(f, ['verify']);
    c.ok(verify.code === 0, 'the latest backup verifies');
    await checkEventChain(c, f);
    await checkNoLeaks(c, f);
  } finally {
    await dropDatabase(scratch).catch(() => undefined);
    await f.cleanup();
  }
  return c;
}

/** Issue 27 points 0b and 14a: a storage path mistyped, missing, or a file. */
async function mistypedPath(): Promise<Checks> {
  const c = checks();
  const f = await createFaultEnv('fpath');
  try {
    const first = await cli(f, ['backup', '--json']);
    if (!c.ok(first.code === 0, `a first backup (${first.stderr.slice(-300)})`)) return c;
    const recorded = (await f.db.pool.query('SELECT storage_id FROM cotton_backup.storage_identity')).rows[0]?.storage_id as string | undefined;
    c.ok(recorded !== undefined, 'the database records the storage identity');
    const started = await eventCount(f, 'BackupStarted');

    const typo = join(f.root, 'flies');
    await mkdir(typo);
    const backup = await cli(f, ['backup'], { env: { COTTON_STORAGE_PATH: typo } });
    const lines = errorLine(backup.stderr);
    c.ok(backup.code !== 0, `a backup into a new empty folder fails (exit ${backup.code})`);
    c.ok(lines.length === 1 && lines[0]!.includes(typo) && lines[0]!.includes(recorded ?? '?') && lines[0]!.includes('COTTON_STORAGE_PATH'), `one line naming the folder and the recorded storage (${lines.join(' / ').slice(0, 300)})`);
    c.note(`mistyped path: "${(lines[0] ?? '').replace(/\/tmp\/[^: ,)]*/g, '<root>').replace(/[0-9a-f]{32}/g, '<id>').slice(0, 260)}"`);
    c.ok((await eventCount(f, 'BackupStarted')) === started, 'no backup was started or recorded');

    const serve = await serves(f, { COTTON_STORAGE_PATH: typo });
    c.ok(!serve.served && serve.stderr.includes(recorded ?? '?'), '`serve` on another storage does not start, naming the recorded identity (no per-run "manifest is unreadable" from retention)');
    c.ok(!/manifest is unreadable/.test(serve.stderr), 'no retention run complained of unreadable manifests');

    const missing = await cli(f, ['latest'], { env: { COTTON_STORAGE_PATH: join(f.root, 'nowhere') } });
    c.ok(missing.code !== 0 && /storage root .*nowhere is not usable: cannot read the folder: it does not exist/.test(missing.stderr) && !/master key/.test(missing.stderr), `a missing path is named, not blamed on the key (${errorLine(missing.stderr).join(' ').slice(0, 200)})`);
    const file = await cli(f, ['latest'], { env: { COTTON_STORAGE_PATH: '/etc/passwd' } });
    c.ok(
      errorLine(file.stderr)[0] === 'cotton-backup: storage root /etc/passwd is not usable: cannot read the folder: a file stands where a folder should be (ENOTDIR)',
      `a file as the path: one line, no raw lstat error (${errorLine(file.stderr).join(' ').slice(0, 200)})`,
    );

    const again = await cli(f, ['backup']);
    c.ok(again.code === 0, `the right path backs up again (${again.stderr.slice(-200)})`);
    await checkEventChain(c, f);
    await checkNoLeaks(c, f);
  } finally {
    await f.cleanup();
  }
  return c;
}

export const storageIdentityScenarios: Scenario[] = [
  {
    id: 'storage: another master key against a storage with backups',
    group: 'storage',
    how: 'a backup, then `backup`, `restore --target-database <new>` and `serve` with another valid 32-character COTTON_MASTER_KEY; then the right key again',
    expect:
      'each is refused in one line naming COTTON_MASTER_KEY: no object, event or pointer change, no database created, the host never serves; the right key backs up (reusing its chunks) and verifies',
    run: () => wrongKey(false),
  },
  {
    id: 'storage: another master key against a bucket with backups (S3)',
    group: 'storage',
    how: 'the same on an S3 bucket (s3rver): a backup, then `backup`, `restore` and `serve` with another valid key',
    expect: 'the same refusals, nothing written to the bucket; the right key backs up and verifies',
    run: () => wrongKey(true),
  },
  {
    id: 'storage: a mistyped, missing or non-folder storage path',
    group: 'storage',
    how: 'a backup, then `backup` and `serve` with COTTON_STORAGE_PATH a new empty folder; `latest` with a path that does not exist and with /etc/passwd',
    expect:
      'the backup and the host are refused naming the folder and the storage id the database records, nothing started or recorded; the missing path and the file are named in one line, never blamed on the key; the right path backs up',
    run: mistypedPath,
  },
];
