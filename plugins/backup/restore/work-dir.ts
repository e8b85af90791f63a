import { chmod, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The restore's work folder holds the verified dump: plaintext of the whole database. A restore
 * killed with -9 (CLI or host) cannot remove its file, so every restore, and every start, sweeps
 * what dead restores left before doing anything else. Each file is named after the process that
 * writes it: a file of a live process (another restore into another database, sharing the data
 * folder) is never swept from under it.
 */
const WORK_FILE = /^[0-9a-f-]{36}\.(\d+)\.dump$/;

export function workFilePath(workDir: string, restoreId: string): string {
  return join(workDir, `${restoreId}.${process.pid}.dump`);
}

/** The folder private to this user, whatever it was before. */
export async function prepareWorkDir(workDir: string): Promise<void> {
  await mkdir(workDir, { recursive: true, mode: 0o700 });
  await chmod(workDir, 0o700);
}

/** Removes the dump files of restores whose process is gone (and any not named by a process). Returns their names. */
export async function sweepStaleWorkFiles(workDir: string): Promise<string[]> {
  const entries = await readdir(workDir).catch(() => [] as string[]);
  const stale = entries.filter((name) => name.endsWith('.dump') && !ownedByLiveProcess(name));
  await Promise.all(stale.map((name) => rm(join(workDir, name), { force: true })));
  return stale;
}

function ownedByLiveProcess(name: string): boolean {
  const pid = Number(WORK_FILE.exec(name)?.[1] ?? 0);
  if (pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
