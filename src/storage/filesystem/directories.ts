import { mkdir, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/** fsync a directory so a rename/creation in it survives a crash (a no-op where unsupported). */
export async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw error;
  } finally {
    await handle.close();
  }
}

/** mkdir -p, then fsync the parents of whatever it created so the new directories are durable. */
export async function ensureDirectory(path: string): Promise<void> {
  let created: string | undefined;
  try {
    created = await mkdir(path, { recursive: true });
  } catch (error) {
    // Recursive mkdir reports a read-only file system as ENOENT: creating the first missing level
    // on its own tells the truth (EROFS, EACCES, ...).
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    let first = path;
    while (dirname(first) !== first && !(await stat(dirname(first)).then(() => true, () => false))) first = dirname(first);
    await mkdir(first).catch((direct: NodeJS.ErrnoException) => {
      throw direct.code === 'EEXIST' ? error : direct;
    });
    await mkdir(path, { recursive: true });
    created = first;
  }
  if (created === undefined) return;
  for (let dir = path; ; dir = dirname(dir)) {
    await syncDirectory(dirname(dir));
    if (dir === created || dirname(dir) === dir) break;
  }
}

