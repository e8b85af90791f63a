import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { deriveMasterEncryptionKey, pointerStorageKey } from '../../../src/keys/keys';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import { storeManifest, useScratchStorage } from '../../../test/support/stored-manifests';
import { writeBackupIndex } from '../repository/backup-index';
import { writePointer } from '../repository/manifest-store';
import { pointerTo } from '../repository/pointer';
import { RestoreRejectedError } from '../repository/restore-rejection';
import { findCandidates, unknownBackupDetail, type Candidate } from './find-candidates';

// Mutation testing (MUTATION.md): which backup a restore tries, in which order, and when it stops.
const KEY = deriveMasterEncryptionKey('find-candidates-spec-key-01234567');
const id = (c: string) => c.repeat(32);

const scratch = useScratchStorage(KEY, { beforeEach, afterAll });
let storage: ObjectStorage;
beforeEach(() => {
  storage = scratch();
});

/** What the generator yields when the consumer asks for everything: a backup id, or `reason: detail`. */
async function tried(options: Parameters<typeof findCandidates>[2]): Promise<string[]> {
  const out: string[] = [];
  for await (const c of findCandidates(storage, KEY, options)) out.push(describe_(c));
  return out;
}
const describe_ = (c: Candidate) => (c instanceof RestoreRejectedError ? `${c.reason}: ${c.detail}` : c.manifest.backupId);

/** a ← b ← c, each linking back; the pointer names `pointed` (written at `pointerAt`). */
async function chain(pointed: 'a' | 'b' | 'c', pointerAt: string) {
  const a = await storeManifest(storage, id('a'), '2026-12-01T03:00:00.000Z');
  const b = await storeManifest(storage, id('b'), '2026-12-02T03:00:00.000Z', a.manifestKey);
  const c = await storeManifest(storage, id('c'), '2026-12-03T03:00:00.000Z', b.manifestKey);
  const all = { a, b, c };
  await writePointer(storage, pointerStorageKey(KEY), pointerTo(all[pointed].manifestKey, all[pointed].backupId, new Date(pointerAt)));
  return all;
}

describe('findCandidates', () => {
  it('no pointer in an empty storage: one no_pointer refusal that says to check the path', async () => {
    const [only, ...rest] = await tried({});
    expect(rest).toEqual([]);
    expect(only).toBe(`no_pointer: no latest-backup pointer (${pointerStorageKey(KEY)}) under this master key; the storage is empty: check COTTON_STORAGE_PATH`);
  });

  it('no pointer where objects are: the refusal says the key is probably not the one; with fallback, the index is tried next', async () => {
    const x = await storeManifest(storage, id('9'), '2026-12-01T03:00:00.000Z');
    await writeBackupIndex(storage, KEY, [x]);
    expect(await tried({})).toEqual([expect.stringMatching(/^no_pointer: .*; the storage holds objects, so COTTON_MASTER_KEY is probably not the key the backups were made with$/)]);
    expect(await tried({ fallback: 'previous' })).toEqual([expect.stringMatching(/^no_pointer: /), id('9')]);
  });

  it("the pointer's backup first, then each previous link, then the index's others, each once", async () => {
    const { a, b, c } = await chain('c', '2026-12-03T03:00:01.000Z');
    const lone = await storeManifest(storage, id('e'), '2026-11-30T03:00:00.000Z');
    await writeBackupIndex(storage, KEY, [c, b, a, lone, c]);
    expect(await tried({ fallback: 'previous' })).toEqual([id('c'), id('b'), id('a'), id('e')]);
    // Without fallback the index is never read: the previous links only.
    expect(await tried({ fallback: 'none' })).toEqual([id('c'), id('b'), id('a')]);
  });

  it('a consumer that stops after the first gets only that one', async () => {
    await chain('c', '2026-12-03T03:00:01.000Z');
    const seen: string[] = [];
    for await (const candidate of findCandidates(storage, KEY, { fallback: 'previous' })) {
      seen.push(describe_(candidate));
      break;
    }
    expect(seen).toEqual([id('c')]);
  });

  it('a pointer behind the index: refused by default; with fallback, the newer backups newest first, then the pointer’s', async () => {
    const { a, b, c } = await chain('a', '2026-12-01T03:00:01.000Z');
    await writeBackupIndex(storage, KEY, [c, b, a]);
    const refused = await tried({});
    expect(refused).toEqual([expect.stringMatching(new RegExp(`^pointer_behind: the latest-backup pointer names backup ${id('a')} .* names 2 newer backups, the newest ${id('c')} `))]);
    expect(await tried({ fallback: 'previous' })).toEqual([refused[0], id('c'), id('b'), id('a')]);
  });

  it('a chosen backup: that one (and its previous links), wherever the pointer is', async () => {
    const { a, b, c } = await chain('c', '2026-12-03T03:00:01.000Z');
    await writeBackupIndex(storage, KEY, [c, b, a]);
    expect(await tried({ backupId: id('b'), fallback: 'none' })).toEqual([id('b'), id('a')]);
    expect(await tried({ backupId: id('c'), fallback: 'none' })).toEqual([id('c'), id('b'), id('a')]);
  });

  it('an unknown chosen backup: missing_manifest naming how many are known; with fallback, the index after', async () => {
    const { a, b, c } = await chain('c', '2026-12-03T03:00:01.000Z');
    await writeBackupIndex(storage, KEY, [c, b, a]);
    const unknown = `missing_manifest: ${unknownBackupDetail(id('f'), 3)}`;
    expect(unknownBackupDetail(id('f'), 3)).toBe(`backup ${id('f')} is known neither to the latest-backup pointer nor to the backup index (3 backups known)`);
    expect(await tried({ backupId: id('f') })).toEqual([unknown]);
    expect(await tried({ backupId: id('f'), fallback: 'previous' })).toEqual([unknown, id('c'), id('b'), id('a')]);
  });

  it("a lost manifest is refused and breaks the chain; with fallback the index's older backups are still tried", async () => {
    const { a, b, c } = await chain('c', '2026-12-03T03:00:01.000Z');
    await writeBackupIndex(storage, KEY, [c, b, a]);
    await storage.delete(b.manifestKey);
    expect(await tried({ fallback: 'none' })).toEqual([id('c'), expect.stringMatching(new RegExp(`^missing_manifest: .*${b.manifestKey}`))]);
    expect(await tried({ fallback: 'previous' })).toEqual([id('c'), expect.stringMatching(/^missing_manifest: /), id('a')]);
  });

  it("a pointer naming a manifest of another backup: invalid_manifest, the manifest's id and the pointer's both named", async () => {
    const a = await storeManifest(storage, id('a'), '2026-12-01T03:00:00.000Z');
    await writePointer(storage, pointerStorageKey(KEY), pointerTo(a.manifestKey, id('b'), new Date('2026-12-01T03:00:01.000Z')));
    expect(await tried({})).toEqual([`invalid_manifest: manifest ${a.manifestKey} is of backup ${id('a')}, but it was reached as backup ${id('b')}`]);
  });

  it('an invalid pointer is refused as such', async () => {
    await storage.write(pointerStorageKey(KEY), Buffer.from('{"schemaVersion":1}'), { overwrite: true });
    expect(await tried({})).toEqual([expect.stringMatching(/^invalid_pointer: invalid latest-backup pointer: logicalKey: /)]);
  });

  it('every yielded backup carries the manifest key it was read from', async () => {
    const { c } = await chain('c', '2026-12-03T03:00:01.000Z');
    const first = (await findCandidates(storage, KEY, {}).next()).value as Exclude<Candidate, RestoreRejectedError>;
    expect(first.manifestKey).toBe(c.manifestKey);
  });
});
