import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveMasterEncryptionKey } from '../../../../src/keys/keys';
import { createStorage } from '../../../../src/storage/open/create-storage';
import { runCliCaptured } from '../../../../test/support/cli';
import { cliEnv, createHostFixture, type HostFixture } from '../../../../test/support/host-fixture';
import { readManifest } from '../../repository/manifest-store';
import { holdBackupForReading } from '../../retention/reading-lease';

interface Taken { backupId: string; manifestKey: string }

// restic's `forget --keep-*` and `forget <id>`, over the one retention plan, each saying what it frees.
describe('cotton-backup forget', () => {
  let f: HostFixture;
  let env: NodeJS.ProcessEnv;
  const run = (...args: string[]) => runCliCaptured(env, ...args);
  const json = async (...args: string[]) => {
    const r = await run(...args, '--json');
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
  };
  let a: Taken, b: Taken, c: Taken;

  beforeAll(async () => {
    f = await createHostFixture('forgetcmd');
    env = cliEnv(f);
    a = await json('backup');
    b = await json('backup');
    c = await json('backup');
  });
  afterAll(() => f.cleanup());

  const retentionOf = async (id: string) => ((await json('list')) as { backupId: string; retention: string | null }[]).find((r) => r.backupId === id)!.retention;

  /** What only b references, summed from the container files, independently of the command. */
  async function ownBytesOf(victim: Taken, others: Taken[]): Promise<number> {
    const storage = createStorage({ root: join(f.root, 'files'), masterEncryptionKey: deriveMasterEncryptionKey(env.COTTON_MASTER_KEY!) });
    const keysOf = async (t: Taken) => [t.manifestKey, ...(await readManifest(storage, t.manifestKey)).chunks.map((x) => x.storageKey)];
    const kept = new Set((await Promise.all(others.map(keysOf))).flat());
    const own = new Set((await keysOf(victim)).filter((k) => !kept.has(k)));
    let bytes = 0;
    for (const k of own) bytes += (await storage.size(k))!;
    return bytes;
  }

  it('--keep-last 1 --dry-run plans with the flags, says what it would free, and changes nothing', async () => {
    const report = await json('forget', '--keep-last', '1', '--dry-run');
    expect(report.policy).toBe('last 1');
    expect(report.decisions.map((d: { backupId: string; keep: boolean }) => [d.backupId, d.keep])).toEqual([[c.backupId, true], [b.backupId, false], [a.backupId, false]]);
    expect(report.freed.bytes).toBe(await ownBytesOf(a, [c]) + (await ownBytesOf(b, [c, a])));
    expect(report.freed.bytes).toBeGreaterThan(0);
    expect(await retentionOf(a.backupId)).not.toBe('expired');
    const text = await run('forget', '--keep-last', '1', '--dry-run');
    expect(text.stdout).toContain('policy last 1 (from the command line)');
    expect(text.stdout).toMatch(new RegExp(`would free ${report.freed.bytes} bytes`));
  });

  it('refuses a malformed --keep-* value naming the flag', async () => {
    const bad = await run('forget', '--keep-daily', 'lots');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--keep-daily "lots"');
  });

  it('forget <prefix> expires that backup alone (the configured policy keeps the rest) and says the bytes it frees', async () => {
    const expected = await ownBytesOf(b, [a, c]);
    const dry = await json('forget', b.backupId.slice(0, 6), '--dry-run');
    expect(dry.freed.bytes).toBe(expected);
    expect(await retentionOf(b.backupId)).not.toBe('expired');
    const report = await json('forget', b.backupId.slice(0, 6));
    expect(report.forgotten).toEqual([b.backupId]);
    expect(report.freed).toMatchObject({ bytes: expected, unreadableKept: [] });
    expect(report.protection.released.map((r: { backupId: string }) => r.backupId)).toEqual([b.backupId]);
    expect(await retentionOf(b.backupId)).toBe('expired');
    expect(await retentionOf(a.backupId)).toBe('kept');
    // Again: nothing left to do for it, and no failure.
    const again = await run('forget', b.backupId);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`backup ${b.backupId} had expired already`);
  });

  it('refuses to forget the latest backup: the pointer is never rolled back, nothing is recorded', async () => {
    const result = await run('forget', c.backupId, '--json');
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stderr).error).toMatchObject({ code: 'FORGET_REFUSED', message: expect.stringContaining('the latest backup') });
    expect(await retentionOf(c.backupId)).toBe('kept');
    expect((await json('latest')).backupId).toBe(c.backupId);
  });

  it('refuses to forget a backup being read (a restore or verification holds its lease)', async () => {
    const lease = await holdBackupForReading(f.db.pool, a.backupId);
    try {
      const result = await run('forget', a.backupId);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('being read right now');
      expect(await retentionOf(a.backupId)).toBe('kept');
    } finally {
      await lease.release();
    }
  });
});
