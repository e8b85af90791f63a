import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageUnusableError } from '../backend/errors';
import { ensureDirectory, syncDirectory } from './directories';
import { TEMP_DIRECTORY } from './sweep-temp';

/**
 * Walks the steps every object write takes, once, on a probe file: create the root and its temp
 * folder, create a file, write, fsync, rename, remove. A root that is a file, read-only, full or
 * not ours to write is refused at start with its path and the reason, instead of a healthy-looking
 * start and a failed backup hours later. The probe lives in `<root>/tmp`, which Cotton ignores.
 */
export async function probeFolder(root: string): Promise<void> {
  const tempDirectory = join(root, TEMP_DIRECTORY);
  const name = `cotton-backup-probe.${randomBytes(8).toString('hex')}`;
  const written = join(tempDirectory, `${name}.tmp`);
  const renamed = join(tempDirectory, `${name}.probe`);
  let step = 'create the folder';
  try {
    await ensureDirectory(tempDirectory);
    step = 'create a file';
    const handle = await open(written, 'wx', 0o600);
    try {
      step = 'write a file';
      await handle.writeFile('cotton-backup storage probe\n');
      step = 'fsync a file';
      await handle.sync();
    } finally {
      await handle.close();
    }
    step = 'rename a file';
    await rename(written, renamed);
    await syncDirectory(tempDirectory);
    step = 'remove a file';
    await unlink(renamed);
  } catch (error) {
    await unlink(written).catch(() => undefined);
    await unlink(renamed).catch(() => undefined);
    throw StorageUnusableError.from(error, root, step);
  }
}
