import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pointerStorageKey } from '../../../src/keys/keys';
import { seedCottonDatabase } from '../../../test/support/cotton-schema';
import { runCliCaptured } from '../../../test/support/cli';
import { runBackup } from '../take-backup/run-backup';
import { readManifest, writeManifest, writePointer } from '../repository/manifest-store';
import type { Manifest } from '../repository/manifest';
import { createBackupFixture, type BackupFixture } from '../../../test/support/backup-fixture';
import { VERIFY_FAILED_EXIT } from '../edges/cli/verify-command';
import { runScheduledVerification } from '../runtime/verification-schedule';

const SMALL_CHUNKS = { COTTON_CHUNK_MIN_BYTES: '16384', COTTON_CHUNK_AVG_BYTES: '65536', COTTON_CHUNK_MAX_BYTES: '262144' };

/**
 * Every chunk intact, only the manifest's claim about the whole dump wrong: what a manifest
 * forged (or written by a buggy producer) over real chunks looks like. Verification must read the
 * whole and compare, not trust the chunks alone.
 */
describe('a manifest whose dumpContentHash is wrong, over intact chunks', () => {
  let f: BackupFixture;
  let good: { manifestKey: string; manifest: Manifest };
  beforeAll(async () => {
    f = await createBackupFixture('vfyhash', SMALL_CHUNKS);
    await seedCottonDatabase(f.db.pool);
    const { manifestKey } = await runBackup(f.services.backup);
    good = { manifestKey, manifest: await readManifest(f.storage, manifestKey) };
    expect(good.manifest.chunkCount).toBeGreaterThan(1);
  });
  afterAll(() => f.cleanup());

  /** Stores a copy of the good manifest with `change` applied and points the pointer at it. */
  async function pointAtForged(change: Partial<Manifest>): Promise<string> {
    const manifestKey = await writeManifest(f.storage, { ...good.manifest, ...change });
    await writePointer(f.storage, pointerStorageKey(f.masterEncryptionKey), {
      schemaVersion: 1,
      logicalKey: 'database.ctn',
      updatedAtUtc: new Date().toISOString(),
      latestManifestStorageKey: manifestKey,
      latestBackupId: good.manifest.backupId,
    });
    return manifestKey;
  }

  const cli = (...args: string[]) => runCliCaptured(f.env, ...args);

  const verificationsOf = async (manifestKey: string) => {
    const { rows } = await f.db.pool.query(
      `SELECT type, data, metadata FROM cotton_backup.events WHERE type IN ('Verified', 'VerificationFailed') AND data ->> 'manifestKey' = $1 ORDER BY global_position`,
      [manifestKey],
    );
    return rows as { type: string; data: { problems?: { key: string; problem: string; detail: string }[] }; metadata: { trigger: string } }[];
  };

  it('the untouched backup verifies (the control)', async () => {
    const result = await cli('verify', '--json');
    expect(result.code, result.stderr).toBe(0);
    expect((await verificationsOf(good.manifestKey)).map((e) => e.type)).toEqual(['Verified']);
  });

  it('`verify` reports a wrong dumpContentHash as hash_mismatch on the manifest, exits 5 and records VerificationFailed', async () => {
    const wrongHash = createHash('sha256').update('not the dump').digest('hex');
    const manifestKey = await pointAtForged({ dumpContentHash: wrongHash });
    const result = await cli('verify', '--json');
    expect(result.code).toBe(VERIFY_FAILED_EXIT);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ ok: false, manifestKey, problems: [{ key: manifestKey, problem: 'hash_mismatch' }] });
    expect(report.problems[0].detail).toContain(wrongHash);
    const events = await verificationsOf(manifestKey);
    expect(events.map((e) => [e.type, e.metadata.trigger])).toEqual([['VerificationFailed', 'cli']]);
    expect(events[0]!.data.problems).toEqual([expect.objectContaining({ key: manifestKey, problem: 'hash_mismatch' })]);
  });

  it('the scheduled verification records VerificationFailed for it too, and tells the admins', async () => {
    const wrongHash = createHash('sha256').update('still not the dump').digest('hex');
    const manifestKey = await pointAtForged({ dumpContentHash: wrongHash });
    const report = await runScheduledVerification(f.services);
    expect(report?.problems).toEqual([expect.objectContaining({ key: manifestKey, problem: 'hash_mismatch' })]);
    const events = await verificationsOf(manifestKey);
    expect(events.map((e) => [e.type, e.metadata.trigger])).toEqual([['VerificationFailed', 'schedule']]);
    const told = await f.db.pool.query("SELECT count(*)::int AS n FROM notifications WHERE title = 'Database backup verification failed' AND metadata -> 'manifestStorageKey' = $1", [manifestKey]);
    expect(told.rows[0].n).toBe(2); // both seeded admins
  });
});
