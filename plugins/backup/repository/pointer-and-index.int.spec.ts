import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { deriveMasterEncryptionKey, pointerStorageKey } from '../../../src/keys/keys';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import { createPipelineStorage } from '../../../src/storage/pipeline/pipeline';
import { storeManifest, useScratchStorage } from '../../../test/support/stored-manifests';
import { backupIndexKey, BackupIndexUnreadableError, INDEX_SIZE, listKnownManifests, readBackupIndex, recordInBackupIndex, writeBackupIndex, type IndexEntry } from './backup-index';
import { loadPointer, readPointer, writePointer } from './manifest-store';
import { InvalidPointerError, MAX_POINTER_BYTES, parsePointer, pointerTo, serializePointer } from './pointer';
import { backupsNewerThanPointer, pointerBehindDetail } from './pointer-rollback';

// Mutation testing (MUTATION.md): the pointer and the index decide which backup a restore trusts.
const KEY = deriveMasterEncryptionKey('pointer-index-spec-key-0123456789');
const hex = (c: string, n: number) => c.repeat(n);
const entry = (c: string, createdAtUtc: string): IndexEntry => ({ manifestKey: hex(c, 64), backupId: hex(c, 32), createdAtUtc });

const scratch = useScratchStorage(KEY, { beforeEach, afterAll });
let storage: ObjectStorage;
beforeEach(() => {
  storage = scratch();
});

const stored = (backupId: string, createdAtUtc: string, previous?: string) => storeManifest(storage, backupId, createdAtUtc, previous);

describe('the pointer', () => {
  const pointer = pointerTo(hex('a', 64), hex('b', 32), new Date('2026-12-07T03:00:00.000Z'));

  it("is Cotton's JSON, and reads back as written, replaced whole", async () => {
    expect(pointer).toEqual({ schemaVersion: 1, logicalKey: 'database.ctn', updatedAtUtc: '2026-12-07T03:00:00.000Z', latestManifestStorageKey: hex('a', 64), latestBackupId: hex('b', 32) });
    expect(JSON.parse(serializePointer(pointer).toString('utf8'))).toEqual(pointer);
    const key = pointerStorageKey(KEY);
    expect(await readPointer(storage, key)).toBeUndefined();
    await expect(loadPointer(storage, key)).rejects.toThrow();
    await writePointer(storage, key, pointer);
    const next = pointerTo(hex('c', 64), hex('d', 32), new Date('2026-12-08T03:00:00.000Z'));
    await writePointer(storage, key, next);
    expect(await readPointer(storage, key)).toEqual(next);
    expect(await loadPointer(storage, key)).toEqual(next);
  });

  it('refuses what is not a pointer, naming each field that is wrong', () => {
    const refusal = (value: unknown) => {
      try {
        parsePointer(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)));
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidPointerError);
        expect((error as InvalidPointerError).code).toBe('INVALID_POINTER');
        expect((error as Error).name).toBe('InvalidPointerError');
        expect((error as Error).message).toBe(`invalid latest-backup pointer: ${(error as InvalidPointerError).detail}`);
        return (error as InvalidPointerError).detail;
      }
      throw new Error('accepted');
    };
    expect(refusal('{not json')).toBe('not valid JSON');
    expect(refusal([])).toMatch(/^\(root\): /);
    expect(refusal({ ...pointer, schemaVersion: 2 })).toMatch(/^schemaVersion: /);
    expect(refusal({ ...pointer, logicalKey: 'database.ctn.index' })).toMatch(/^logicalKey: /);
    expect(refusal({ ...pointer, updatedAtUtc: 'yesterday' })).toBe('updatedAtUtc: an ISO-8601 timestamp');
    expect(refusal({ ...pointer, latestManifestStorageKey: hex('A', 64) })).toBe('latestManifestStorageKey: a lowercase hex SHA-256');
    expect(refusal({ ...pointer, latestManifestStorageKey: `${hex('a', 64)}0` })).toBe('latestManifestStorageKey: a lowercase hex SHA-256');
    expect(refusal({ ...pointer, latestManifestStorageKey: `x${hex('a', 63)}` })).toBe('latestManifestStorageKey: a lowercase hex SHA-256');
    expect(refusal({ ...pointer, latestBackupId: hex('b', 31) })).toBe('latestBackupId: a GUID as 32 lowercase hex characters');
    expect(refusal({ ...pointer, latestBackupId: `${hex('b', 32)}0` })).toBe('latestBackupId: a GUID as 32 lowercase hex characters');
    expect(refusal({ ...pointer, latestBackupId: `g${hex('b', 31)}` })).toBe('latestBackupId: a GUID as 32 lowercase hex characters');
    expect(refusal({ ...pointer, updatedAtUtc: 'x', latestBackupId: 'y' })).toBe('updatedAtUtc: an ISO-8601 timestamp; latestBackupId: a GUID as 32 lowercase hex characters');
    expect(parsePointer(serializePointer(pointer))).toEqual(pointer);
  });

  it('is not read whole when the object under its key is bigger than a pointer can be', async () => {
    expect(MAX_POINTER_BYTES).toBe(64 * 1024);
    const key = pointerStorageKey(KEY);
    await storage.write(key, Buffer.alloc(MAX_POINTER_BYTES + 1, 0x20), { overwrite: true });
    await expect(loadPointer(storage, key)).rejects.toThrow();
    await expect(loadPointer(storage, key)).rejects.not.toBeInstanceOf(InvalidPointerError);
  });
});

describe('a pointer behind the index (rolled back)', () => {
  const pointer = pointerTo(hex('a', 64), hex('a', 32), new Date('2026-12-07T03:00:00.000Z'));

  it('names the backups created after the pointer was written, newest first, and none when it is current', async () => {
    expect(await backupsNewerThanPointer(storage, KEY, pointer)).toEqual([]);
    const newer = [entry('c', '2026-12-09T03:00:00.000Z'), entry('b', '2026-12-08T03:00:00.000Z')];
    // the pointer's own backup, one made before it, and one made at the very moment it was written
    await writeBackupIndex(storage, KEY, [...newer, entry('a', '2026-12-07T04:00:00.000Z'), entry('9', '2026-12-06T03:00:00.000Z'), entry('8', '2026-12-07T03:00:00.000Z')]);
    expect(await backupsNewerThanPointer(storage, KEY, pointer)).toEqual(newer);
    expect(pointerBehindDetail(pointer, newer)).toBe(
      `the latest-backup pointer names backup ${hex('a', 32)} (pointer written 2026-12-07T03:00:00.000Z), but the backup index names 2 newer backups, ` +
        `the newest ${hex('c', 32)} (created 2026-12-09T03:00:00.000Z): the pointer was rolled back to an older copy, or the backup that made the newer one failed before advancing it`,
    );
    expect(pointerBehindDetail(pointer, newer.slice(1))).toContain('names 1 newer backup, the newest');
  });

  it('an unreadable index hides nothing from the pointer: no newer backups known', async () => {
    await storage.write(backupIndexKey(KEY), Buffer.from('not json'), { overwrite: true });
    expect(await backupsNewerThanPointer(storage, KEY, pointer)).toEqual([]);
  });
});

describe('the backup index', () => {
  it('is keyed from the master key, and reads back newest first as written, at most INDEX_SIZE', async () => {
    expect(backupIndexKey(KEY)).toMatch(/^[0-9a-f]{64}$/);
    expect(backupIndexKey(KEY)).not.toBe(backupIndexKey(deriveMasterEncryptionKey('another-key-0123456789abcdefghijk')));
    expect(backupIndexKey(KEY)).not.toBe(pointerStorageKey(KEY));
    expect(await readBackupIndex(storage, KEY)).toEqual([]);
    const many = Array.from({ length: INDEX_SIZE + 5 }, (_, i) => ({ ...entry('f', new Date(Date.UTC(2026, 0, 1) + (INDEX_SIZE + 5 - i) * 86_400_000).toISOString()), backupId: i.toString(16).padStart(32, '0') }));
    await writeBackupIndex(storage, KEY, many);
    expect(INDEX_SIZE).toBe(100);
    expect(await readBackupIndex(storage, KEY)).toEqual(many.slice(0, INDEX_SIZE));
  });

  it('damaged or foreign bytes are BackupIndexUnreadableError, naming why', async () => {
    const key = backupIndexKey(KEY);
    await storage.write(key, Buffer.from('{"x":'), { overwrite: true });
    const notJson = await readBackupIndex(storage, KEY).catch((e: unknown) => e);
    expect(notJson).toBeInstanceOf(BackupIndexUnreadableError);
    expect((notJson as BackupIndexUnreadableError).code).toBe('BACKUP_INDEX_UNREADABLE');
    expect((notJson as Error).message).toBe(`the backup index ${key} is unreadable (it is not JSON); it is never overwritten with fewer backups than it held`);
    await storage.write(key, Buffer.from(JSON.stringify({ schemaVersion: 1, logicalKey: 'database.ctn', manifests: [] })), { overwrite: true });
    await expect(readBackupIndex(storage, KEY)).rejects.toThrow('(it is not a backup index)');
    expect((notJson as Error).name).toBe('BackupIndexUnreadableError');
    for (const bad of [{ manifestKey: 'short' }, { manifestKey: `${hex('a', 64)}0` }, { manifestKey: `x${hex('a', 64)}` }, { backupId: `${hex('a', 32)}0` }, { backupId: `x${hex('a', 32)}` }]) {
      await storage.write(key, Buffer.from(JSON.stringify({ schemaVersion: 1, logicalKey: 'database.ctn.index', manifests: [{ ...entry('a', 'x'), ...bad }] })), { overwrite: true });
      await expect(readBackupIndex(storage, KEY), JSON.stringify(bad)).rejects.toThrow('(it is not a backup index)');
    }
    // Encrypted under another key: the container does not open, which is damage, not a timeout.
    const other = createPipelineStorage(storage.backend!, { masterEncryptionKey: deriveMasterEncryptionKey('another-key-0123456789abcdefghijk') });
    await other.write(key, Buffer.from('{}'), { overwrite: true });
    await expect(readBackupIndex(storage, KEY)).rejects.toBeInstanceOf(BackupIndexUnreadableError);
  });

  it('an index the storage cannot read now (a timeout) is an error as it is, and nothing is rewritten', async () => {
    const a = await stored(hex('a', 32), '2026-12-01T03:00:00.000Z');
    await writeBackupIndex(storage, KEY, [a]);
    const timeout = Object.assign(new Error('read timed out'), { code: 'ETIMEDOUT' });
    const flaky = { ...storage, backend: storage.backend, readBuffer: () => Promise.reject(timeout) } as ObjectStorage;
    await expect(readBackupIndex(flaky, KEY)).rejects.toBe(timeout);
    const b = await stored(hex('b', 32), '2026-12-02T03:00:00.000Z', a.manifestKey);
    await expect(recordInBackupIndex(flaky, KEY, b)).rejects.toBe(timeout);
    expect(await readBackupIndex(storage, KEY)).toEqual([a]);
  });

  it('records a backup at the front, and puts back a kept backup an older index lost while its manifest is there', async () => {
    const a = await stored(hex('a', 32), '2026-12-01T03:00:00.000Z');
    const b = await stored(hex('b', 32), '2026-12-02T03:00:00.000Z', a.manifestKey);
    const gone = entry('9', '2026-12-01T12:00:00.000Z'); // the database keeps it, its manifest is gone
    expect(await recordInBackupIndex(storage, KEY, a)).toEqual({ rebuilt: false });
    // An older index put back: b's entry lost. The caller's candidates name b, a, and the lost one.
    const c = await stored(hex('c', 32), '2026-12-03T03:00:00.000Z', b.manifestKey);
    expect(await recordInBackupIndex(storage, KEY, c, [{ ...b, backupId: hex('0', 32), createdAtUtc: '2020-01-01T00:00:00.000Z' }, a, gone, b])).toEqual({ rebuilt: false });
    // b's id and time from its own manifest, not from the candidate; no duplicate of a or c.
    expect(await readBackupIndex(storage, KEY)).toEqual([c, b, a]);
    // Recording the same backup again moves it to the front once.
    expect(await recordInBackupIndex(storage, KEY, b)).toEqual({ rebuilt: false });
    expect(await readBackupIndex(storage, KEY)).toEqual([b, c, a]);
  });

  // Kills the revert of issue 27 point 3 (test/mutation/hardening-reverts.ts).
  it('an unreadable index is rebuilt from the previous links of the new backup, never replaced by it alone', async () => {
    const a = await stored(hex('a', 32), '2026-12-01T03:00:00.000Z');
    const b = await stored(hex('b', 32), '2026-12-02T03:00:00.000Z', a.manifestKey);
    const c = await stored(hex('c', 32), '2026-12-03T03:00:00.000Z', b.manifestKey);
    await storage.write(backupIndexKey(KEY), Buffer.from('garbage'), { overwrite: true });
    expect(await recordInBackupIndex(storage, KEY, c)).toEqual({ rebuilt: true });
    expect(await readBackupIndex(storage, KEY)).toEqual([c, b, a]);
    // A chain that loops back on itself, or runs into a missing manifest, stops there.
    const d = await stored(hex('d', 32), '2026-12-04T03:00:00.000Z', hex('7', 64));
    await storage.write(backupIndexKey(KEY), Buffer.from('garbage'), { overwrite: true });
    expect(await recordInBackupIndex(storage, KEY, d)).toEqual({ rebuilt: true });
    expect(await readBackupIndex(storage, KEY)).toEqual([d]);
    // Not even the new backup's own manifest readable: the index holds it alone, and no error.
    await storage.write(backupIndexKey(KEY), Buffer.from('garbage'), { overwrite: true });
    const lost = entry('6', '2026-12-05T03:00:00.000Z');
    expect(await recordInBackupIndex(storage, KEY, lost)).toEqual({ rebuilt: true });
    expect(await readBackupIndex(storage, KEY)).toEqual([lost]);
  });

  it('lists the pointer first, then the index without repeating the pointer', async () => {
    expect(await listKnownManifests(storage, KEY)).toEqual([]);
    const a = entry('a', '2026-12-01T03:00:00.000Z');
    const b = entry('b', '2026-12-02T03:00:00.000Z');
    await writeBackupIndex(storage, KEY, [b, a]);
    expect(await listKnownManifests(storage, KEY)).toEqual([b, a]);
    await writePointer(storage, pointerStorageKey(KEY), pointerTo(b.manifestKey, b.backupId, new Date('2026-12-02T03:00:05.000Z')));
    expect(await listKnownManifests(storage, KEY)).toEqual([{ ...b, createdAtUtc: '2026-12-02T03:00:05.000Z' }, a]);
    // Neither readable: nothing known, no error.
    await storage.write(pointerStorageKey(KEY), Buffer.from('x'), { overwrite: true });
    await storage.write(backupIndexKey(KEY), Buffer.from('x'), { overwrite: true });
    expect(await listKnownManifests(storage, KEY)).toEqual([]);
  });
});
