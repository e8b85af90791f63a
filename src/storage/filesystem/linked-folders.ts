import { lstat } from 'node:fs/promises';

/** A folder of the layout (or the temp folder) is a symbolic link: nothing is written or deleted through it. */
export class LinkedFolderError extends Error {
  readonly code = 'STORAGE_LINKED_FOLDER';
  constructor(readonly folder: string) {
    super(`${folder} is a symbolic link: objects are never written or deleted through a link, which anyone who can write the storage folder could point anywhere; replace it with a real folder`);
    this.name = 'LinkedFolderError';
  }
}

/**
 * Refuses when any of `folders` (below the root, never the root itself: a root that is a link
 * is the operator's choice) is a link. A missing one passes: the caller creates it as a real
 * folder; a file in a folder's place fails the write itself, with the object's key named. Reads need no such check beyond O_NOFOLLOW: list() never descends into a
 * link (Dirent of a link is no directory), so no key is ever found through one.
 */
export async function refuseLinkedFolders(folders: readonly string[]): Promise<void> {
  for (const folder of folders) {
    const info = await lstat(folder).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (info?.isSymbolicLink()) throw new LinkedFolderError(folder);
  }
}
