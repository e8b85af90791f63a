import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { lstat, mkdir, readFile, readdir, rename, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../keys/keys';
import { InvalidStorageKeyError, ObjectNotFoundError, ObjectNotRegularFileError } from '../backend/errors';
import { FilesystemStore, objectPath } from './filesystem-store';

let root: string;
let store: FilesystemStore;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'cotton-fs-store-'));
  store = new FilesystemStore(root);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const keyA = sha256Hex('a');
const keyB = sha256Hex('b');

describe('FilesystemStore', () => {
  it("places objects at Cotton's path, mode 0600, through an emptied tmp folder", async () => {
    const result = await store.write(keyA, Readable.from([Buffer.from('hello')]));
    expect(result).toEqual({ written: true, storedBytes: 5 });
    const path = join(root, keyA.slice(0, 2), keyA.slice(2, 4), `${keyA.slice(4)}.ctn`);
    expect(store.path(keyA)).toBe(path);
    expect(objectPath(root, keyA)).toBe(path);
    expect(await readFile(path, 'utf8')).toBe('hello');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
  });

  it('keeps the existing object when the key exists (dedup) and drops the temp file', async () => {
    await store.write(keyA, Readable.from([Buffer.from('first')]));
    const before = await stat(store.path(keyA));
    const result = await store.write(keyA, Readable.from([Buffer.from('second!')]));
    expect(result).toEqual({ written: false, storedBytes: 5 });
    const after = await stat(store.path(keyA));
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(await readFile(store.path(keyA), 'utf8')).toBe('first');
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
  });

  it('overwrites by renaming over the old file: the path never disappears, open readers keep the old bytes', async () => {
    const old = randomBytes(4 * 1024 * 1024);
    await store.write(keyA, Readable.from([old]));
    const oldIno = (await stat(store.path(keyA))).ino;
    const oldReader = await store.openRead(keyA);

    let polling = true;
    let missing = 0;
    const poll = (async () => {
      while (polling) if (!(await store.exists(keyA))) missing += 1;
    })();
    const replacement = randomBytes(3 * 1024 * 1024);
    const result = await store.write(keyA, Readable.from([replacement.subarray(0, 1000), replacement.subarray(1000)]), { overwrite: true });
    polling = false;
    await poll;

    expect(result).toEqual({ written: true, storedBytes: replacement.length });
    expect(missing).toBe(0);
    expect((await stat(store.path(keyA))).ino).not.toBe(oldIno);
    expect((await readFile(store.path(keyA))).equals(replacement)).toBe(true);
    const chunks: Buffer[] = [];
    for await (const chunk of oldReader) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(old)).toBe(true);
  });

  it('removes the temp file when the source fails midway', async () => {
    async function* failing() {
      yield randomBytes(2 * 1024 * 1024);
      throw new Error('dump process died');
    }
    await expect(store.write(keyA, Readable.from(failing()))).rejects.toThrow('dump process died');
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
    expect(await store.exists(keyA)).toBe(false);
  });

  it('exists, size, delete, openRead', async () => {
    expect(await store.exists(keyA)).toBe(false);
    expect(await store.size(keyA)).toBeUndefined();
    expect(await store.delete(keyA)).toBe(false);
    await expect(store.openRead(keyA)).rejects.toBeInstanceOf(ObjectNotFoundError);
    await store.write(keyA, Readable.from([Buffer.alloc(123)]));
    expect(await store.exists(keyA)).toBe(true);
    expect(await store.size(keyA)).toBe(123);
    expect(await store.delete(keyA)).toBe(true);
    expect(await store.exists(keyA)).toBe(false);
  });

  it('lists only *.ctn files exactly three levels deep under two-hex folders', async () => {
    expect(await collectKeys(new FilesystemStore(join(root, 'missing')))).toEqual([]);
    await store.write(keyA, Readable.from([Buffer.from('a')]));
    await store.write(keyB, Readable.from([Buffer.from('b')]));
    // noise Cotton's enumeration also ignores
    await writeFile(join(root, 'tmp', `${keyA.slice(4)}.123.tmp`), 'partial');
    await writeFile(join(root, keyA.slice(0, 2), keyA.slice(2, 4), `${keyA.slice(4)}.ctn.bak`), 'x');
    await writeFile(join(root, keyA.slice(0, 2), `${keyA.slice(2)}.ctn`), 'x'); // two levels deep
    await mkdir(join(root, 'ab', 'cd', 'ef'), { recursive: true });
    await writeFile(join(root, 'ab', 'cd', 'ef', `${'0'.repeat(58)}.ctn`), 'x'); // four levels deep
    await writeFile(join(root, 'ab', 'cd', 'NOTHEX.ctn'), 'x');
    expect((await collectKeys(store)).sort()).toEqual([keyA, keyB].sort());
  });

  it('refuses keys that are not 64 lowercase hex characters', async () => {
    for (const bad of ['', 'abc', keyA.toUpperCase(), `${keyA}0`, `../${keyA.slice(3)}`, keyA.slice(0, 63) + 'g']) {
      expect(() => store.path(bad)).toThrow(InvalidStorageKeyError);
      await expect(store.exists(bad)).rejects.toBeInstanceOf(InvalidStorageKeyError);
      await expect(store.write(bad, Readable.from([Buffer.from('x')]))).rejects.toBeInstanceOf(InvalidStorageKeyError);
    }
  });
});

async function collectKeys(s: FilesystemStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of s.list()) keys.push(key);
  return keys;
}

describe('FilesystemStore: what stands at an object path', () => {
  it('never follows a symbolic link: refused unread, the target never in a message, and no object for stat', async () => {
    const secret = join(root, 'outside.txt');
    await writeFile(secret, 'root:x:0:0:root:/root:/bin/bash\n');
    const path = store.path(keyA);
    await mkdir(dirname(path), { recursive: true });
    await symlink(secret, path);
    const error = await store.openRead(keyA).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ObjectNotRegularFileError);
    expect((error as Error).message).toContain(keyA);
    expect((error as Error).message).not.toContain('root:x');
    const out = Buffer.alloc(100);
    await expect(store.readInto(keyA, out, 0, 100)).rejects.toBeInstanceOf(ObjectNotRegularFileError);
    expect(out.every((b) => b === 0)).toBe(true);
    expect(await store.size(keyA)).toBeUndefined();
    expect(await store.exists(keyA)).toBe(false);
    // a write of the real object replaces the link itself, never the file it points to
    await store.write(keyA, Readable.from([Buffer.from('real object')]));
    expect(await readFile(secret, 'utf8')).toBe('root:x:0:0:root:/root:/bin/bash\n');
    expect((await lstat(path)).isSymbolicLink()).toBe(false);
  });

  it('refuses a folder or a FIFO at an object path without blocking or reading', async () => {
    await mkdir(store.path(keyA), { recursive: true });
    await expect(store.openRead(keyA)).rejects.toBeInstanceOf(ObjectNotRegularFileError);
    await expect(store.readInto(keyA, Buffer.alloc(10), 0, 10)).rejects.toBeInstanceOf(ObjectNotRegularFileError);
    await mkdir(dirname(store.path(keyB)), { recursive: true });
    execFileSync('mkfifo', [store.path(keyB)]);
    await expect(store.openRead(keyB)).rejects.toBeInstanceOf(ObjectNotRegularFileError);
    await expect(store.readInto(keyB, Buffer.alloc(10), 0, 10)).rejects.toBeInstanceOf(ObjectNotRegularFileError);
  });
});

describe('FilesystemStore: a folder of the layout planted as a symbolic link (#27 point 7)', () => {
  const elsewhere = () => join(root, '..', `${root.split('/').pop()}-elsewhere`);
  afterEach(() => rmSync(elsewhere(), { recursive: true, force: true }));

  // Kills the revert of issue 27 point 7 (test/mutation/hardening-reverts.ts).
  it('refuses a write through a symlinked <root>/ab, <root>/ab/cd or <root>/tmp: nothing lands in the folder it points to', async () => {
    for (const folder of [keyA.slice(0, 2), join(keyA.slice(0, 2), keyA.slice(2, 4)), 'tmp']) {
      rmSync(root, { recursive: true, force: true });
      rmSync(elsewhere(), { recursive: true, force: true });
      await mkdir(elsewhere(), { recursive: true });
      await mkdir(dirname(join(root, folder)), { recursive: true });
      await symlink(elsewhere(), join(root, folder));
      const error = await store.write(keyA, Readable.from([Buffer.from('object')])).catch((e: unknown) => e);
      expect(error, folder).toBeInstanceOf(Error);
      expect((error as Error).message, folder).toContain(`${join(root, folder)} is a symbolic link`);
      expect(await readdir(elsewhere(), { recursive: true }), folder).toEqual([]);
    }
  });

  it('an object reached through a symlinked folder is not this storage\'s: size and exists refuse, so a copy never skips it as present', async () => {
    const real = new FilesystemStore(elsewhere());
    await real.write(keyA, Readable.from([Buffer.from('not yours')]));
    await symlink(join(elsewhere(), keyA.slice(0, 2)), join(root, keyA.slice(0, 2)));
    await expect(store.size(keyA)).rejects.toThrow(/is a symbolic link/);
    await expect(store.exists(keyA)).rejects.toThrow(/is a symbolic link/);
  });

  it("Cotton's own root (linkedFolders: 'follow', the primary) goes through such links as Cotton does", async () => {
    const real = new FilesystemStore(elsewhere());
    await real.write(keyB, Readable.from([Buffer.from('spread over disks')]));
    await symlink(join(elsewhere(), keyB.slice(0, 2)), join(root, keyB.slice(0, 2)));
    const primary = new FilesystemStore(root, { linkedFolders: 'follow' });
    expect(await primary.size(keyB)).toBe(17);
    await symlink(join(elsewhere(), keyB.slice(0, 2)), join(root, keyA.slice(0, 2))).catch(() => undefined);
    expect((await primary.write(keyA, Readable.from([Buffer.from('x')]))).written).toBe(true);
  });

  it('refuses a delete through a symlinked folder: the file it reaches stays', async () => {
    const real = new FilesystemStore(elsewhere());
    await real.write(keyA, Readable.from([Buffer.from('not yours')]));
    await symlink(join(elsewhere(), keyA.slice(0, 2)), join(root, keyA.slice(0, 2)));
    await expect(store.delete(keyA)).rejects.toThrow(/is a symbolic link/);
    expect(await real.exists(keyA)).toBe(true);
  });
});

describe('FilesystemStore: the pointer is replaced by one rename (deterministic, no race to win)', () => {
  function recordingStore(fail?: 'rename') {
    const calls: string[] = [];
    const recorded = new FilesystemStore(root, {
      operations: {
        async rename(from, to) {
          calls.push(`rename ${relative(root, from)} -> ${relative(root, to)}`);
          if (fail === 'rename') throw Object.assign(new Error('injected failure between the steps'), { code: 'EIO', syscall: 'rename' });
          await rename(from, to);
        },
        async unlink(path) {
          calls.push(`unlink ${relative(root, path)}`);
          await unlink(path);
        },
      },
    });
    return { calls, recorded };
  }

  it('touches the final path only with a rename over it: never an unlink first', async () => {
    await store.write(keyA, Readable.from([Buffer.from('old pointer')]));
    const { calls, recorded } = recordingStore();
    await recorded.write(keyA, Readable.from([Buffer.from('new pointer')]), { overwrite: true });
    const final = relative(root, store.path(keyA));
    expect(calls.filter((c) => c.includes(final))).toEqual([expect.stringMatching(new RegExp(`^rename tmp/\\S+\\.tmp -> ${final}$`))]);
    expect(await readFile(store.path(keyA), 'utf8')).toBe('new pointer');
  });

  it('a failure at the publishing step leaves the old pointer whole and no temp file', async () => {
    await store.write(keyA, Readable.from([Buffer.from('old pointer')]));
    const { recorded } = recordingStore('rename');
    await expect(recorded.write(keyA, Readable.from([Buffer.from('new pointer')]), { overwrite: true })).rejects.toThrow('injected failure');
    expect(await readFile(store.path(keyA), 'utf8')).toBe('old pointer');
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
  });
});
