import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectNotRegularFileError, StorageUnusableError } from '../backend/errors';
import { FilesystemStore } from './filesystem-store';

/** The folder's side of the one marker seam (identity record and role marker alike). */
describe('folder markers', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cotton-marker-file-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reading from a root that is missing or a file is refused, naming the root', async () => {
    const missing = join(dir, 'nowhere');
    await expect(new FilesystemStore(missing).readMarker('cotton-backup-role.json')).rejects.toThrow(
      `storage root ${missing} is not usable: cannot read the folder: it does not exist (ENOENT)`,
    );
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    const refused = await new FilesystemStore(file).readMarker('cotton-backup-role.json').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StorageUnusableError);
    expect((refused as StorageUnusableError).code).toBe('ENOTDIR');
  });

  it('creating one in a root not made yet makes the root (a copy folder at its first use), with the bytes readable only by the owner', async () => {
    const root = join(dir, 'fresh', 'copy');
    const store = new FilesystemStore(root);
    expect(await store.createMarker('cotton-backup-role.json', Buffer.from('{"role":"copy"}'))).toBe(true);
    expect(await readFile(join(root, 'cotton-backup-role.json'), 'utf8')).toBe('{"role":"copy"}');
    expect((await stat(join(root, 'cotton-backup-role.json'))).mode & 0o777).toBe(0o600);
  });

  it('a marker that is a symbolic link, a folder or too large is refused, never followed or read', async () => {
    const root = join(dir, 'odd');
    await mkdir(root);
    const store = new FilesystemStore(root);
    await writeFile(join(dir, 'elsewhere.json'), '{}');
    await symlink(join(dir, 'elsewhere.json'), join(root, 'cotton-backup-identity.json'));
    await expect(store.readMarker('cotton-backup-identity.json')).rejects.toThrow(ObjectNotRegularFileError);
    await mkdir(join(root, 'cotton-backup-role.json'));
    await expect(store.readMarker('cotton-backup-role.json')).rejects.toThrow(ObjectNotRegularFileError);
    await writeFile(join(root, 'big.json'), Buffer.alloc(64 * 1024 + 1));
    await expect(store.readMarker('big.json')).rejects.toThrow(/too large for a marker/);
  });
});
