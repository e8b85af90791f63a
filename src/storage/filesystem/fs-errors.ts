import { InvalidStorageKeyError, ObjectNotFoundError, ObjectNotRegularFileError, StorageWriteError } from '../backend/errors';

/** Errors of the file system that may pass if the operation is tried again. */
const TRANSIENT_CODES = new Set(['EAGAIN', 'EBUSY', 'EINTR', 'EMFILE', 'ENFILE', 'ETIMEDOUT', 'EIO']);

/**
 * Whether trying again can help, for an error of the folder backend: a missing object, refused
 * permission, a full disk or quota, a read-only file system, a bad key or a path that is not a
 * file are permanent (ENOENT, EACCES, ENOSPC, …); running out of descriptors, a busy or
 * interrupted call and an I/O error (a network mount) may pass. Anything else (a failing source)
 * is permanent.
 */
export function isPermanentFsError(error: unknown): boolean {
  if (error instanceof ObjectNotFoundError || error instanceof ObjectNotRegularFileError || error instanceof InvalidStorageKeyError) return true;
  const code = error instanceof StorageWriteError ? error.code : (error as NodeJS.ErrnoException | undefined)?.code;
  return !(typeof code === 'string' && TRANSIENT_CODES.has(code));
}
