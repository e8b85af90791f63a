import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorage } from '../../../src/storage/open/create-storage';
import { appendBulkRows, seedCottonDatabase } from '../../../test/support/cotton-schema';
import { createBackupFixture, type BackupFixture } from '../../../test/support/backup-fixture';
import { runBackup } from '../take-backup/run-backup';
import { pruneTarget, PruneRefusedError, type PruneReport } from './prune-target';
import { formatPruneReport } from '../edges/cli/prune-command';
import { copyToTargets } from './copy-to-targets';
import { copyTargetProblems } from './validate-targets';
import { parseCopyTarget, type CopyTarget } from '../settings/copies';
import { adoptTarget } from './adopt-target';
import { copyStream } from './copy-stream';
import { IDENTITY_MARKER } from './prove-target-identity';
import { readStream } from '../events';
import { openTarget } from './open-target';
import { runCliCaptured } from '../../../test/support/cli';
import { PLUGINS_PATH } from '../../../test/restore/fixtures';
import pino from 'pino';
import { loadConfig } from '../../../src/config/config';
import { openStorage, type OpenedStorage } from '../../../src/storage/open/open-storage';
import { readCottonStorageSettings } from '../../../src/storage/s3/cotton-storage-settings';
import { startS3Server, TEST_S3_ACCESS_KEY_ID, TEST_S3_SECRET, type TestS3Server } from '../../../test/support/s3-server';
import { createBackupServices } from '../runtime/services';

const DAY = 24 * 3_600_000;
const IS_ROOT = process.getuid?.() === 0;

/** Every key a folder of Cotton's layout holds. */
async function keysOf(root: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const k of createStorage({ root, masterEncryptionKey: Buffer.alloc(32) }).list()) keys.push(k);
  return keys.sort();
}

describe('a copy target that is really the primary storage (or a copy of it) is refused; prune keeps what Cotton knows', () => {
  let f: BackupFixture;
  let dir: string;
  let primaryRoot: string;
  let userChunk: string;
  let bindPath: string | undefined;
  const folder = (name: string, path: string) => parseCopyTarget(`${name}=file://${path}`) as Extract<CopyTarget, { kind: 'folder' }>;
  const ctx = (offsetMs: number, targets: CopyTarget[] = f.services.copies.settings.targets) => ({
    ...f.services.copies,
    settings: { ...f.services.copies.settings, targets, pruneGraceMs: DAY },
    clock: { now: () => new Date(Date.now() + offsetMs) },
    policy: f.services.retention.policy,
    timeZone: async () => 'UTC',
    prune: undefined,
    retryBaseMs: 10,
  });
  /** Two prunes a grace period apart: what the 24 h default deletes on the second day. */
  const pruneTwice = async (target: CopyTarget) => {
    const results: unknown[] = [];
    for (const offset of [0, 2 * DAY]) results.push(await pruneTarget(ctx(offset, [target]), target).catch((e: Error) => e));
    return results;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'target-identity-'));
    f = await createBackupFixture('tid', { COTTON_BACKUP_COPIES: `disk2=file://${dir}/disk2` });
    primaryRoot = f.config.storage.root;
    await seedCottonDatabase(f.db.pool, 0.1);
    await appendBulkRows(f.db.pool, 100_000, 200);
    await runBackup(f.services.backup);
    // A Cotton user file's chunk: in the primary, with its chunks row, used by no backup.
    userChunk = randomBytes(32).toString('hex');
    await f.storage.write(userChunk, Buffer.from('a user file'));
    await f.db.pool.query('INSERT INTO public.chunks (hash, size_bytes, stored_size_bytes) VALUES ($1, 11, 11)', [Buffer.from(userChunk, 'hex')]);
  });
  afterAll(async () => {
    if (bindPath) execFileSync('umount', [bindPath]);
    await f.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  // Kills the revert of issue 27 point 1a (test/mutation/hardening-reverts.ts).
  it('a symlink to the primary root: refused at start-up and at run time, and prune deletes nothing', async () => {
    const alias = folder('alias', join(dir, 'alias'));
    await symlink(primaryRoot, alias.path);
    const before = await keysOf(primaryRoot);
    expect(before).toContain(userChunk);
    // At run time: the link may be made after the host started.
    const results = await pruneTwice(alias);
    expect(await keysOf(primaryRoot)).toEqual(before);
    for (const r of results) expect(r).toBeInstanceOf(PruneRefusedError);
    expect(copyTargetProblems({ ...f.services.copies.settings, targets: [alias] }, { root: primaryRoot })).toEqual([
      expect.stringContaining('target alias: is the primary storage root'),
    ]);
    const [copied] = await copyToTargets(ctx(0, [alias]), [alias]);
    expect(copied!.status).toBe('failed');
    expect(await keysOf(primaryRoot)).toEqual(before);
  });

  // Kills the revert of issue 27 point 1a (test/mutation/hardening-reverts.ts).
  it.skipIf(!IS_ROOT)('a bind mount of the primary root (same device and inode): refused, nothing deleted', async () => {
    bindPath = join(dir, 'bind');
    await mkdir(bindPath);
    execFileSync('mount', ['--bind', primaryRoot, bindPath]);
    const bind = folder('bind', bindPath);
    const before = await keysOf(primaryRoot);
    const results = await pruneTwice(bind);
    expect(await keysOf(primaryRoot)).toEqual(before);
    for (const r of results) expect(r).toBeInstanceOf(PruneRefusedError);
    expect(copyTargetProblems({ ...f.services.copies.settings, targets: [bind] }, { root: primaryRoot })).toEqual([
      expect.stringContaining('target bind: is the primary storage root'),
    ]);
  });
  if (!IS_ROOT) it.skip('a bind mount of the primary root: needs root to mount --bind (tests are meant to run as root)', () => undefined);

  // Kills the revert of issue 27 point 1c (test/mutation/hardening-reverts.ts).
  it("a folder holding a copy of the primary's files (rsync of the primary): its marker names the primary, refused", async () => {
    const [first] = await copyToTargets(ctx(0), f.services.copies.settings.targets);
    expect(first!.status).toBe('copied');
    const rsynced = folder('rsynced', join(dir, 'rsynced'));
    await cp(primaryRoot, rsynced.path, { recursive: true });
    const results = await pruneTwice(rsynced);
    for (const r of results) {
      expect(r).toBeInstanceOf(PruneRefusedError);
      expect((r as Error).message).toContain('primary');
    }
    expect(await keysOf(rsynced.path)).toContain(userChunk);
    const [copied] = await copyToTargets(ctx(0, [rsynced]), [rsynced]);
    expect(copied!.status).toBe('failed');
    await expect(adoptTarget(ctx(0, [rsynced]), rsynced)).rejects.toThrow(/primary storage's own identity marker/);
  });

  it('a folder with objects but no marker is refused until the operator adopts it (copies --adopt)', async () => {
    const old = folder('old', join(dir, 'old'));
    const disk2 = join(dir, 'disk2');
    await mkdir(old.path);
    for (const name of await readdir(disk2)) if (/^[0-9a-f]{2}$/.test(name)) await cp(join(disk2, name), join(old.path, name), { recursive: true });
    expect((await keysOf(old.path)).length).toBeGreaterThan(0);
    const [refused] = await copyToTargets(ctx(0, [old]), [old]);
    expect(refused!.status).toBe('failed');
    expect(refused!.failed[0]!.message).toContain('cotton-backup copies --adopt old');
    await expect(pruneTarget(ctx(0, [old]), old)).rejects.toThrow(/copies --adopt old/);
    await expect(pruneTarget(ctx(0, [old]), old, { dryRun: true })).rejects.toThrow(/copies --adopt old/);
    const env = {
      ...f.env, COTTON_LOG_LEVEL: 'silent', COTTON_PLUGINS_PATH: PLUGINS_PATH,
      COTTON_BACKUP_COPIES: `disk2=file://${join(dir, 'disk2')},old=file://${old.path}`,
    };
    const refusedSync = await runCliCaptured(env, 'copies', '--sync', '--target', 'old');
    expect(refusedSync.stdout + refusedSync.stderr).toContain('cotton-backup copies --adopt old');
    const adopted = await runCliCaptured(env, 'copies', '--adopt', 'old');
    expect(adopted.stderr).toBe('');
    expect(adopted.stdout).toContain('copy target old adopted');
    // Adopting again changes nothing; adopting the primary's alias is refused.
    await adoptTarget(ctx(0, [old]), old);
    const [copied] = await copyToTargets(ctx(0, [old]), [old]);
    expect(copied!.status).toBe('copied');
  });

  it("a target copied to before markers existed is adopted by the database's record; another storage under its name is not", async () => {
    const legacy = folder('legacy', join(dir, 'legacy'));
    const [first] = await copyToTargets(ctx(0, [legacy]), [legacy]);
    expect(first!.status).toBe('copied');
    // The state of a target an older version copied to: its objects, no marker.
    await rm(join(legacy.path, IDENTITY_MARKER));
    const [again] = await copyToTargets(ctx(0, [legacy]), [legacy]);
    expect(again!.failed).toEqual([]);
    expect(['copied', 'nothing']).toContain(again!.status);
    const adopted = (await readStream(f.db.pool, copyStream('legacy'))).filter((e) => e.type === 'CopyTargetAdopted');
    expect(adopted.map((e) => e.data)).toEqual([expect.objectContaining({ target: 'legacy', by: 'record', backupId: first!.copied[0] })]);
    expect(JSON.parse(await readFile(join(legacy.path, IDENTITY_MARKER), 'utf8'))).toMatchObject({ role: 'copy', target: 'legacy' });

    // The same name pointed at another deployment's storage: objects, no marker, no recorded backup in it.
    const elsewhere = folder('legacy', join(dir, 'their-storage'));
    await createStorage({ root: elsewhere.path, masterEncryptionKey: randomBytes(32) }).write(randomBytes(32).toString('hex'), Buffer.from('theirs'));
    const [refused] = await copyToTargets(ctx(0, [elsewhere]), [elsewhere]);
    expect(refused!.status).toBe('failed');
    expect(refused!.failed[0]!.message).toContain('no backup the database records as copied there');
    await expect(pruneTarget(ctx(2 * DAY, [elsewhere]), elsewhere)).rejects.toThrow(/copies --adopt legacy/);
    expect(await keysOf(elsewhere.path)).toHaveLength(1);
  });

  it('a copy refuses folders of the target planted as symbolic links: nothing lands where they point (#27 point 7)', async () => {
    const linked = folder('linked', join(dir, 'linked'));
    const elsewhere = join(dir, 'elsewhere');
    await mkdir(linked.path);
    await mkdir(elsewhere);
    for (let i = 0; i < 256; i++) await symlink(elsewhere, join(linked.path, i.toString(16).padStart(2, '0')));
    const [outcome] = await copyToTargets(ctx(0, [linked]), [linked]);
    expect(outcome!.status).toBe('failed');
    expect(outcome!.failed[0]!.message).toContain('is a symbolic link');
    expect(await readdir(elsewhere, { recursive: true })).toEqual([]);
  });

  it("services over a copy target's storage (a test restore reading from it) do not take the target for the primary", async () => {
    const targetStorage = createStorage({ root: join(dir, 'disk2'), masterEncryptionKey: f.masterEncryptionKey });
    expect(() => createBackupServices({ config: f.config, pool: f.db.pool, storage: targetStorage, masterEncryptionKey: f.masterEncryptionKey, clock: { now: () => new Date() } })).not.toThrow();
  });

  // Kills the revert of issue 27 point 1b (test/mutation/hardening-reverts.ts).
  it("prune never deletes an object that has a row in Cotton's chunks table", async () => {
    const disk2 = f.services.copies.settings.targets[0]!;
    const target = createStorage({ root: join(dir, 'disk2'), masterEncryptionKey: f.masterEncryptionKey });
    const planted = randomBytes(32).toString('hex');
    await target.write(planted, Buffer.from('a chunk Cotton knows'));
    await f.db.pool.query('INSERT INTO public.chunks (hash, size_bytes, stored_size_bytes) VALUES ($1, 20, 20)', [Buffer.from(planted, 'hex')]);
    const results = await pruneTwice(disk2);
    for (const r of results) expect(r).not.toBeInstanceOf(Error);
    expect(await target.exists(planted)).toBe(true);
    expect((results[1] as PruneReport).keptForCotton).toBe(1);
    const dry = await pruneTarget(ctx(4 * DAY, [disk2]), disk2, { dryRun: true });
    expect(dry.keptForCotton).toBe(1);
    expect(formatPruneReport(dry)).toContain("kept 1 of them: Cotton's chunks table has a row");
  });
});

describe("an S3 copy target that is the primary bucket Cotton's server_settings name", () => {
  let f: BackupFixture;
  let s3: TestS3Server;
  let bucket: string;
  let primary: OpenedStorage;

  beforeAll(async () => {
    s3 = await startS3Server();
    bucket = await s3.createBucket('primary');
    f = await createBackupFixture('tids3', {
      COTTON_BACKUP_COPIES: `offsite=s3://${bucket}`,
      AWS_ENDPOINT_URL: s3.endpoint,
      AWS_ACCESS_KEY_ID: TEST_S3_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: TEST_S3_SECRET,
    });
    await seedCottonDatabase(f.db.pool, 0.1);
    // Cotton's own choice of S3 (COTTON.md §9): no COTTON_STORAGE_S3_BUCKET names it.
    await f.db.pool.query(`ALTER TABLE public.server_settings ADD COLUMN storage_type integer, ADD COLUMN s3_endpoint_url text, ADD COLUMN s3_region text,
      ADD COLUMN s3_access_key_id text, ADD COLUMN s3_bucket_name text, ADD COLUMN s3_secret_access_key_encrypted text, ADD COLUMN created_at timestamptz DEFAULT now()`);
    await f.db.pool.query('UPDATE public.server_settings SET storage_type = 1, s3_endpoint_url = $1, s3_access_key_id = $2, s3_bucket_name = $3', [s3.endpoint, TEST_S3_ACCESS_KEY_ID, bucket]);
    const config = loadConfig({ ...f.env, COTTON_STORAGE_S3_SECRET_ACCESS_KEY: TEST_S3_SECRET });
    primary = await openStorage({ config, masterEncryptionKey: f.masterEncryptionKey, logger: pino({ level: 'silent' }), cottonSettings: () => readCottonStorageSettings(f.db.pool) });
    expect(primary.backend.description).toContain(bucket);
  });
  afterAll(async () => {
    await primary?.close();
    await f.cleanup();
    await s3.stop();
  });

  it('is refused at start-up, and a prune of it deletes no primary object', async () => {
    expect(() => createBackupServices({ config: f.config, pool: f.db.pool, storage: primary.storage, masterEncryptionKey: f.masterEncryptionKey, clock: { now: () => new Date() } })).toThrow(
      /target offsite: is the primary storage's bucket/,
    );
    const offsite = await openTarget(f.services.copies.settings.targets[0]!, f.services.copies.settings, f.masterEncryptionKey);
    expect(() => createBackupServices({ config: f.config, pool: f.db.pool, storage: offsite.storage, masterEncryptionKey: f.masterEncryptionKey, clock: { now: () => new Date() } })).not.toThrow();
    await offsite.close();
    await runBackup({ ...f.services.backup, storage: primary.storage });
    const userChunk = randomBytes(32).toString('hex');
    await primary.storage.write(userChunk, Buffer.from('a user file'));
    const target = f.services.copies.settings.targets[0]!;
    for (const offset of [0, 2 * DAY]) {
      const ctx = { ...f.services.copies, storage: primary.storage, clock: { now: () => new Date(Date.now() + offset) }, policy: f.services.retention.policy, timeZone: async () => 'UTC' };
      await expect(pruneTarget(ctx, target)).rejects.toBeInstanceOf(PruneRefusedError);
    }
    expect(await primary.backend.exists(userChunk)).toBe(true);
  });
});
