import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveMasterEncryptionKey, pointerStorageKey } from '../../../src/keys/keys';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import { scratchStorages, storeManifest } from '../../../test/support/stored-manifests';
import { writePointer } from '../repository/manifest-store';
import { pointerTo } from '../repository/pointer';
import { rankSources } from './rank-sources';

// Issue 27 point 6: a primary volume put back from an older snapshot must not win over a copy
// holding a newer backup. startup-restore-from-copies.int.spec restores from the first source that
// works, which is the primary there whatever the order: only the ranking itself shows the choice.
const KEY = deriveMasterEncryptionKey('rank-sources-spec-key-0123456789ab');
const hex = (c: string, n: number) => c.repeat(n);

let storages: Awaited<ReturnType<typeof scratchStorages>>;
async function holding(c: string, createdAtUtc: string): Promise<ObjectStorage> {
  const storage = await storages.next();
  const m = await storeManifest(storage, hex(c, 32), createdAtUtc);
  await writePointer(storage, pointerStorageKey(KEY), pointerTo(m.manifestKey, m.backupId, new Date(createdAtUtc)));
  return storage;
}

beforeAll(async () => {
  storages = await scratchStorages(KEY);
});
afterAll(() => storages?.dispose());

describe('the sources of a bare-machine restore', () => {
  // Kills the revert of issue 27 point 6 (test/mutation/hardening-reverts.ts).
  it('are tried newest backup first, not the primary first: an older primary comes after a newer copy', async () => {
    const primary = await holding('a', '2026-12-01T03:00:00.000Z');
    const offsite = await holding('c', '2026-12-03T03:00:00.000Z');
    const nearby = await holding('b', '2026-12-02T03:00:00.000Z');
    const empty = await storages.next();
    const ranked = await rankSources([{ storage: primary }, { name: 'empty', storage: empty }, { name: 'nearby', storage: nearby }, { name: 'offsite', storage: offsite }], KEY);
    expect(ranked.map((s) => [s.name, s.newestBackupId])).toEqual([['offsite', hex('c', 32)], ['nearby', hex('b', 32)], [undefined, hex('a', 32)], ['empty', undefined]]);
  });

  it('ties keep the order given (startup-restore lists the primary first, then the configured targets)', async () => {
    const at = '2026-12-02T03:00:00.000Z';
    const [primary, one, two] = [await holding('a', at), await holding('b', at), await holding('c', at)];
    const ranked = await rankSources([{ name: 'one', storage: one }, { storage: primary }, { name: 'two', storage: two }].reverse(), KEY);
    expect(ranked.map((s) => s.name)).toEqual(['two', undefined, 'one']);
  });
});
