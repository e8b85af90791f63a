import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { IDENTITY_MAX_BYTES, IDENTITY_NAME } from '../identity/identity-name';
import { StorageUnusableError } from '../object-storage';
import { ensureDirectory, syncDirectory } from './directories';
import { TEMP_DIRECTORY } from './sweep-temp';

/**
 * The identity file's bytes, or undefined when there is none. Reading it is also the probe of a
 * command that only reads: a root that does not exist or is a file is refused here, naming it,
 * instead of every object looking absent (and the key being blamed) or a raw lstat error.
 */
export async function readIdentityFile(root: string): Promise<Buffer | undefined> {
  let handle;
  try {
    // Never through a symbolic link: the record must be the storage's own.
    handle = await open(join(root, IDENTITY_NAME), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw StorageUnusableError.from(error, root, 'read the folder');
    if (code !== 'ENOENT') throw StorageUnusableError.from(error, root, 'read the storage identity');
    const folder = await stat(root).catch((missing: unknown) => {
      throw StorageUnusableError.from(missing, root, 'read the folder');
    });
    if (!folder.isDirectory()) throw new StorageUnusableError(root, 'read the folder', 'ENOTDIR');
    return undefined;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size > IDENTITY_MAX_BYTES) throw new StorageUnusableError(root, `read the storage identity ${IDENTITY_NAME} (not a small regular file)`, 'EINVAL');
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/**
 * Writes the identity file only if there is none: the bytes go to a synced temp file that is
 * then hard-linked into place (link fails when the name exists: put-if-absent, atomic), so a
 * reader never sees half a record and two first writers cannot both win.
 */
export async function writeIdentityFile(root: string, bytes: Buffer): Promise<boolean> {
  const tempDirectory = join(root, TEMP_DIRECTORY);
  const temp = join(tempDirectory, `identity.${randomBytes(8).toString('hex')}.tmp`);
  let step = 'create the folder';
  try {
    await ensureDirectory(tempDirectory);
    step = 'write the storage identity';
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await link(temp, join(root, IDENTITY_NAME));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
    await syncDirectory(root);
    return true;
  } catch (error) {
    throw StorageUnusableError.from(error, root, step);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}
