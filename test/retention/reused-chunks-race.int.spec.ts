import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pointerStorageKey } from '../../src/keys/keys';
import type { ObjectStorage } from '../../src/storage/object-storage';
import { readManifest, readPointer } from '../../plugins/backup/repository/manifest-store';
import { runBackup, type BackupContext } from '../../plugins/backup/take-backup/run-backup';
import { verifyBackup } from '../../plugins/backup/verify/verify-backup';
import { createBackupFixture, type BackupFixture } from '../support/backup-fixture';
import { seedCottonDatabase } from '../support/cotton-schema';
import { ControllableClock, DAY } from '../support/cotton-gc/clock';
import { CottonGcModel } from '../support/cotton-gc/cotton-gc';

const SMALL_CHUNKS = { COTTON_CHUNK_MIN_BYTES: '4096', COTTON_CHUNK_AVG_BYTES: '8192', COTTON_CHUNK_MAX_BYTES: '32768' };

/** The storage, with a hook that runs when the backup first does one of two things. */
function racing(inner: ObjectStorage, hooks: { afterSkippedWrite?: (key: string) => Promise<void>; beforePointerRead?: () => Promise<void> }, pointerKey: string): ObjectStorage {
  let skipped = 0;
  let pointerRead = false;
  return new Proxy(inner, {
    get(target, property) {
      if (property === 'write') {
        return async (...args: Parameters<ObjectStorage['write']>) => {
          const result = await target.write(...args);
          if (!result.written && ++skipped === 1) await hooks.afterSkippedWrite?.(args[0]);
          return result;
        };
      }
      if (property === 'exists') {
        return async (key: string) => {
          if (key === pointerKey && skipped > 0 && !pointerRead) {
            pointerRead = true;
            await hooks.beforePointerRead?.();
          }
          return target.exists(key);
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * Issue 27 point 13: a backup reuses objects already in storage; one that Cotton's GC has scheduled
 * (an older backup's, unprotected) must not be collected between the reuse and the pointer naming it.
 */
describe('a backup racing Cotton\'s GC over the chunks it reuses', () => {
  let f: BackupFixture;
  let gc: CottonGcModel;
  let clock: ControllableClock;
  let pointerKey: string;
  let ctx: BackupContext;
  let first: { manifestKey: string; chunks: string[] };

  beforeEach(async () => {
    f = await createBackupFixture('reuserace', SMALL_CHUNKS);
    await seedCottonDatabase(f.db.pool, 0.2);
    clock = new ControllableClock(new Date());
    pointerKey = pointerStorageKey(f.masterEncryptionKey);
    // No retention after the backup: the older backup's objects are pinned by nothing.
    ctx = { ...f.services.backup, clock, afterBackup: undefined };
    const { manifestKey } = await runBackup(ctx);
    first = { manifestKey, chunks: (await readManifest(f.storage, manifestKey)).chunks.map((c) => c.storageKey) };
    // The pointer is lost (Cotton's delete-then-write died halfway): nothing protects the first
    // backup now, and Cotton's consistency job gives its objects rows due in a day.
    await f.storage.delete(pointerKey);
    gc = new CottonGcModel({ pool: f.db.pool, storage: f.storage, masterEncryptionKey: f.masterEncryptionKey, clock, timeZone: 'UTC' }, 'Limited');
    expect(await gc.storageConsistency()).toBeGreaterThan(first.chunks.length / 2);
  }, 60_000);

  afterEach(() => f.cleanup());

  /** Two days on, then one run of Cotton's GC: every row due and unprotected goes. */
  async function collect(): Promise<string[]> {
    clock.advance(2 * DAY);
    return (await gc.collectGarbage()).deleted;
  }

  // Kills the revert of issue 27 point 13 (test/mutation/hardening-reverts.ts).
  it('the GC runs after the chunks are stored, before the pointer: the new backup stays whole', async () => {
    let deleted: string[] = [];
    const outcome = await runBackup({ ...ctx, storage: racing(f.storage, { beforePointerRead: async () => void (deleted = await collect()) }, pointerKey) });
    expect(outcome.reusedChunks).toBeGreaterThan(0);
    expect(deleted.length, 'the GC collected something (the first backup\'s unreused objects)').toBeGreaterThan(0);
    expect((await readPointer(f.storage, pointerKey))?.latestManifestStorageKey).toBe(outcome.manifestKey);
    const report = await verifyBackup(f.storage, f.masterEncryptionKey);
    expect(report.problems.map((p) => `${p.problem} ${p.key}`)).toEqual([]);
  }, 60_000);

  it('the GC runs right after a reuse: the backup fails, and the pointer does not name a broken manifest', async () => {
    let collectedReused: string | undefined;
    const storage = racing(f.storage, {
      afterSkippedWrite: async (key) => {
        const deleted = await collect();
        if (deleted.includes(key)) collectedReused = key;
      },
    }, pointerKey);
    const result = await runBackup({ ...ctx, storage }).then((o) => o, (error: Error) => error);
    expect(collectedReused, 'the GC took a chunk the backup had just reused').toBeDefined();
    expect(result).toBeInstanceOf(Error);
    expect((result as Error).message).toMatch(/chunk\(s\) this backup reuses .* left storage before they could be pinned/);
    expect(await readPointer(f.storage, pointerKey)).toBeUndefined();
    // The next backup writes the chunk again and is whole.
    await runBackup(ctx);
    expect((await verifyBackup(f.storage, f.masterEncryptionKey)).problems).toEqual([]);
  }, 60_000);
});
