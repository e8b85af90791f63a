import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveMasterEncryptionKey, pointerStorageKey } from '../../../../src/keys/keys';
import { createStorage } from '../../../../src/storage/open/create-storage';
import { readManifest, readPointer, writeManifest, writePointer } from '../../repository/manifest-store';
import { runCliCaptured } from '../../../../test/support/cli';
import { cliEnv, createHostFixture, type HostFixture } from '../../../../test/support/host-fixture';
import { DRILL_UNLOCK, TRY_DRILL_LOCK } from '../../drills/sql';

describe('cotton-backup drill', () => {
  let f: HostFixture;
  let env: NodeJS.ProcessEnv;
  const run = (...args: string[]) => runCliCaptured(env, ...args);

  beforeAll(async () => {
    f = await createHostFixture('drcli');
    env = cliEnv(f);
    const backup = await run('backup', '--json');
    expect(backup.code, backup.stderr).toBe(0);
  });
  afterAll(() => f.cleanup());

  it('prints a per-table report of the latest backup and exits 0 when it passes', async () => {
    const result = await run('drill');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/PASSED/);
    expect(result.stdout).toMatch(/public\.users\s+3\s+3\s+ok/);
    expect(result.stdout).toMatch(/public\.notifications\s+50\s+50\s+ok/);
  });

  it('--json gives the whole report', async () => {
    const result = await run('drill', '--json');
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ passed: true, problems: [], backupId: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(report.tables.length).toBeGreaterThan(5);
  });

  it('exits 6 and marks the table that differs when the recorded count does not match', async () => {
    const masterEncryptionKey = deriveMasterEncryptionKey(env.COTTON_MASTER_KEY!);
    const storage = createStorage({ root: join(f.root, 'files'), masterEncryptionKey });
    const pointerKey = pointerStorageKey(masterEncryptionKey);
    const pointer = (await readPointer(storage, pointerKey))!;
    const manifest = await readManifest(storage, pointer.latestManifestStorageKey);
    const tables = manifest.sourceState!.tables.map((t) => (t.table === 'notifications' ? { ...t, rows: 49 } : t));
    const tamperedKey = await writeManifest(storage, { ...manifest, sourceState: { ...manifest.sourceState!, tables } });
    await writePointer(storage, pointerKey, { ...pointer, latestManifestStorageKey: tamperedKey });
    try {
      const result = await run('drill');
      expect(result.code).toBe(6);
      expect(result.stdout).toMatch(/FAILED/);
      expect(result.stdout).toMatch(/public\.notifications\s+49\s+50\s+DIFFERS/);
      expect(result.stdout).toMatch(/public\.users\s+3\s+3\s+ok/);
      expect(result.stderr).toMatch(/restore drill failed: 1 difference/);
    } finally {
      await writePointer(storage, pointerKey, pointer);
    }
  });

  it('refuses a malformed --backup and an unknown backup with a clear error', async () => {
    const bad = await run('drill', '--backup', 'nope');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--backup must be a backup id/);
    const unknown = await run('drill', '--backup', '0'.repeat(32));
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/known neither/);
  });

  it('exits 3, as the other busy errors do, while another drill holds the lock', async () => {
    const client = await f.db.pool.connect();
    try {
      await client.query(TRY_DRILL_LOCK);
      const result = await run('drill');
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/a restore drill of database ".*" is already running/);
    } finally {
      await client.query(DRILL_UNLOCK);
      client.release();
    }
  });
});
