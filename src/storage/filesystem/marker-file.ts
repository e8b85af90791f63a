import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assertMarkerName, MARKER_MAX_BYTES } from '../backend/storage-backend';
import { ObjectNotRegularFileError, StorageUnusableError, StorageWriteError } from '../backend/errors';
import { ensureDirectory, syncDirectory } from './directories';
import { refuseLinkedFolders } from './linked-folders';
import { TEMP_DIRECTORY } from './sweep-temp';

/**
 * `<root>/<name>`'s bytes, or undefined when there is none. Reading the identity marker is also
 * the probe of a command that only reads: a root that does not exist or is a file is refused here,
 * naming it, instead of every object looking absent (and the key being blamed).
 */
export async function readMarkerFile(root: string, name: string): Promise<Buffer | undefined> {
  const path = join(root, assertMarkerName(name));
  let handle;
  try {
    // Never through a symbolic link (the marker must be the storage's own); never blocked on a FIFO.
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new ObjectNotRegularFileError(name, 'a symbolic link');
    if (code === 'ENOTDIR') throw StorageUnusableError.from(error, root, 'read the folder');
    if (code !== 'ENOENT') throw StorageUnusableError.from(error, root, `read ${name}`);
    const folder = await stat(root).catch((missing: unknown) => {
      throw StorageUnusableError.from(missing, root, 'read the folder');
    });
    if (!folder.isDirectory()) throw new StorageUnusableError(root, 'read the folder', 'ENOTDIR');
    return undefined;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size > MARKER_MAX_BYTES) throw new ObjectNotRegularFileError(name, info.isFile() ? 'a file too large for a marker' : 'not a file');
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/**
 * Creates `<root>/<name>` only if there is none: written in full and synced under tmp, then
 * hard-linked into place (link fails when the name exists: put-if-absent, atomic), so a reader
 * never sees half a marker and two first writers cannot both win.
 */
export async function createMarkerFile(root: string, name: string, bytes: Buffer, refuseLinks: boolean): Promise<boolean> {
  const path = join(root, assertMarkerName(name));
  const tempDirectory = join(root, TEMP_DIRECTORY);
  const tempPath = join(tempDirectory, `${name}.${randomBytes(8).toString('hex')}.tmp`);
  try {
    if (refuseLinks) await refuseLinkedFolders([tempDirectory]);
    await ensureDirectory(tempDirectory);
    await writeFile(tempPath, bytes, { flag: 'wx', mode: 0o600, flush: true });
    await link(tempPath, path);
    await syncDirectory(root);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw StorageWriteError.wrap(error, name, root);
  } finally {
    await unlink(tempPath).catch(() => undefined);
  }
}
