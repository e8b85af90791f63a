import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/program';
import { runMigrations } from '../../../src/db/migrations/runner';
import { deriveMasterEncryptionKey } from '../../../src/keys/keys';
import { appendBulkRows, seedCottonDatabase, snapshotTables } from '../../../test/support/cotton-schema';
import { createTestDatabase, dropDatabase, testPool, uniqueDatabaseName, type TestDatabase } from '../../../test/support/database';
import { flipByte, hostConfig, MASTER_KEY, PLUGINS_PATH, removeRoot, restoreEvents, storageOf, tempRoot } from '../../../test/restore/fixtures';
import { runBackup, type BackupOutcome } from '../take-backup/run-backup';
import { MIGRATIONS_PATH } from '../index';
import { readManifest } from '../repository/manifest-store';
import { createBackupServices } from '../runtime/services';
import { explicitRestore } from './explicit-restore';

describe('cotton-backup restore', () => {
  let source: TestDatabase;
  let root: string;
  let env: Record<string, string>;
  let b1: BackupOutcome;
  let b2: BackupOutcome;
  let snapshotB1: Record<string, string>;
  const created: string[] = [];
  const pools: pg.Pool[] = [];

  async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const out = new PassThrough();
    const err = new PassThrough();
    let stdout = '';
    let stderr = '';
    out.on('data', (d) => (stdout += d));
    err.on('data', (d) => (stderr += d));
    const code = await runCli(['node', 'cotton-backup', ...args], { env, stdout: out, stderr: err });
    return { code, stdout, stderr };
  }
  function poolOf(name: string): pg.Pool {
    const pool = testPool(name, 2);
    pool.on('error', () => undefined);
    pools.push(pool);
    return pool;
  }
  function newName(): string {
    const name = uniqueDatabaseName('rscli_t');
    created.push(name);
    return name;
  }

  beforeAll(async () => {
    source = await createTestDatabase('rscli');
    root = await tempRoot('rscli');
    await seedCottonDatabase(source.pool, 2);
    await runMigrations(source.pool, [{ plugin: 'backup', path: MIGRATIONS_PATH }]);
    const config = hostConfig(source, root);
    const services = createBackupServices({ config, pool: source.pool, storage: storageOf(root), masterEncryptionKey: deriveMasterEncryptionKey(MASTER_KEY), clock: { now: () => new Date() } });
    b1 = await runBackup(services.backup);
    snapshotB1 = await snapshotTables(source.pool);
    await appendBulkRows(source.pool, 700_000, 400);
    b2 = await runBackup(services.backup);
    env = {
      ...source.env,
      COTTON_MASTER_KEY: MASTER_KEY,
      COTTON_STORAGE_PATH: join(root, 'files'),
      COTTON_DATA_PATH: join(root, 'data'),
      COTTON_LOG_LEVEL: 'silent',
      COTTON_PLUGINS_PATH: PLUGINS_PATH,
    };
  });
  afterAll(async () => {
    for (const p of pools) await p.end().catch(() => undefined);
    for (const name of created) await dropDatabase(name);
    await source.drop();
    await removeRoot(root);
  });

  it('restores a chosen older backup into a database it creates, and records it there', async () => {
    const target = newName();
    const r = await cli('restore', '--backup', b1.backupId, '--target-database', target, '--json');
    expect(r.stderr).not.toMatch(/cotton-backup:/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'restored', database: target, created: true, backupId: b1.backupId, refusedNewer: [] });
    const pool = poolOf(target);
    expect(await snapshotTables(pool)).toEqual(snapshotB1);
    const events = await restoreEvents(pool);
    expect(events.map((e) => e.type)).toEqual(['RestoreStarted', 'Verified', 'Restored', 'ExtensionsEnsured']);
    expect(events[0]!.data).toMatchObject({ trigger: 'cli', targetDatabase: target, backupId: b1.backupId });
  });

  it('refuses a database that is not empty, touching nothing', async () => {
    const before = await snapshotTables(source.pool);
    const r = await cli('restore', '--target-database', source.name);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not empty by Cotton's rule.*choose another --target-database/);
    expect(await snapshotTables(source.pool)).toEqual(before);
  });

  it('refuses a damaged latest backup (recording why, database left empty), and with --fallback restores the previous one', async () => {
    const m1 = await readManifest(storageOf(root), b1.manifestKey);
    const m2 = await readManifest(storageOf(root), b2.manifestKey);
    const shared = new Set(m1.chunks.map((c) => c.storageKey));
    const victim = m2.chunks.find((c) => !shared.has(c.storageKey))!.storageKey;
    await flipByte(storageOf(root).objectPath(victim));

    const target = newName();
    const refused = await cli('restore', '--target-database', target);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refused.*decryption_failure.*Nothing was written into database .*: it is as it was.*recorded in stream restore-.*--fallback/);
    const pool = poolOf(target);
    const tables = await pool.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'");
    expect(tables.rows[0].n).toBe(0);
    expect((await restoreEvents(pool)).map((e) => e.type)).toEqual(['RestoreStarted', 'RestoreRejected', 'RestoreFailed']);

    const ok = await cli('restore', '--target-database', target, '--fallback', '--json');
    expect(ok.code).toBe(0);
    const outcome = JSON.parse(ok.stdout);
    expect(outcome.backupId).toBe(b1.backupId);
    expect(outcome.refusedNewer[0]).toMatch(victim);
    expect(await snapshotTables(pool)).toEqual(snapshotB1);
    const events = await restoreEvents(pool);
    // The first attempt's refusal survived the restore (carried over), then this attempt's events.
    expect(events.map((e) => e.type)).toEqual([
      'RestoreStarted', 'RestoreRejected', 'RestoreFailed',
      'RestoreStarted', 'RestoreRejected', 'RestoreStarted', 'Verified', 'Restored', 'ExtensionsEnsured',
    ]);
    expect(events.slice(0, 3).every((e) => e.metadata.carriedOver === true)).toBe(true);
  });

  it('refuses an unknown backup id before creating or migrating the target', async () => {
    const absent = newName();
    const r = await cli('restore', '--backup', 'f'.repeat(32), '--target-database', absent);
    expect(r.code).toBe(4); // not found: the one exit code of an unknown id in every command
    expect(r.stderr).toMatch(/known neither to the latest-backup pointer nor to the backup index.*nothing was created or changed/);
    const maintenance = poolOf('postgres');
    expect((await maintenance.query('SELECT 1 FROM pg_database WHERE datname = $1', [absent])).rows).toEqual([]);

    const existing = newName();
    await maintenance.query(`CREATE DATABASE "${existing}"`);
    const again = await cli('restore', '--backup', 'f'.repeat(32), '--target-database', existing, '--fallback');
    expect(again.code).toBe(4);
    const schemas = await poolOf(existing).query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'cotton%'");
    expect(schemas.rows).toEqual([]);
  });

  it('verifies into a 0600 file in a 0700 folder, removed afterwards', async () => {
    const target = newName();
    const maintenance = poolOf('postgres');
    await maintenance.query(`CREATE DATABASE "${target}"`);
    const pool = poolOf(target);
    const config = hostConfig({ env: { ...source.env, COTTON_PG_DATABASE: target } }, root);
    const services = createBackupServices({ config, pool, storage: storageOf(root), masterEncryptionKey: deriveMasterEncryptionKey(MASTER_KEY), clock: { now: () => new Date() } });
    const ctx = services.restoreContext();
    const seen: number[] = [];
    await explicitRestore(ctx, { now: () => new Date() }, {
      backupId: b1.backupId,
      onProgress: () => {
        void (async () => {
          const files = await readdir(ctx.workDir);
          const dir = await stat(ctx.workDir);
          for (const f of files) seen.push((await stat(join(ctx.workDir, f))).mode & 0o777, dir.mode & 0o777);
        })().catch(() => undefined); // the file may be gone by the time we look: only what was seen counts
      },
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([0o600, 0o700]));
    expect(await readdir(ctx.workDir)).toEqual([]);
  });
});
