import { describe, expect, it } from 'vitest';
import { InvalidStorageKeyError, ObjectNotFoundError, ObjectNotRegularFileError, StorageWriteError } from '../backend/errors';
import { isPermanentFsError } from './fs-errors';

const errno = (code: string) => Object.assign(new Error(code), { code, syscall: 'open' });
const key = 'a'.repeat(64);

describe('isPermanentFsError: what a retry can help with', () => {
  it.each(['ENOENT', 'EACCES', 'EPERM', 'ENOSPC', 'EDQUOT', 'EROFS', 'ENOTDIR', 'EEXIST', 'ELOOP'])('permanent: %s, bare or wrapped', (code) => {
    expect(isPermanentFsError(errno(code))).toBe(true);
    expect(isPermanentFsError(StorageWriteError.wrap(errno(code), key, '/root'))).toBe(true);
  });

  it.each(['EAGAIN', 'EBUSY', 'EINTR', 'EMFILE', 'ENFILE', 'ETIMEDOUT', 'EIO'])('transient: %s, bare or wrapped', (code) => {
    expect(isPermanentFsError(errno(code))).toBe(false);
    expect(isPermanentFsError(StorageWriteError.wrap(errno(code), key, '/root'))).toBe(false);
  });

  it('a missing object, a path that is not a file, a bad key, a failing source: permanent', () => {
    expect(isPermanentFsError(new ObjectNotFoundError(key))).toBe(true);
    expect(isPermanentFsError(new ObjectNotRegularFileError(key, 'a folder'))).toBe(true);
    expect(isPermanentFsError(new InvalidStorageKeyError('x'))).toBe(true);
    expect(isPermanentFsError(new Error('pg_dump exited with code 1'))).toBe(true);
  });
});
