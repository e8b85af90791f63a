// What every backend throws, in words an operator can act on: the pipeline and plugins read the
// codes, so they stay the same whichever backend answered.
/** Keys are lowercase hex SHA-256 (64 chars); anything else is refused before touching storage. */
export class InvalidStorageKeyError extends Error {
  readonly code = 'STORAGE_INVALID_KEY';
  constructor(key: unknown) {
    const shown = typeof key === 'string' ? JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key) : typeof key;
    super(`invalid storage key ${shown}: expected 64 lowercase hex characters (a SHA-256 digest)`);
    this.name = 'InvalidStorageKeyError';
  }
}

export class ObjectNotFoundError extends Error {
  readonly code = 'STORAGE_OBJECT_NOT_FOUND';
  readonly key: string;
  constructor(key: string, options?: ErrorOptions) {
    super(`storage object ${key} does not exist`, options);
    this.name = 'ObjectNotFoundError';
    this.key = key;
  }
}

export class ObjectTooLargeError extends Error {
  readonly code = 'STORAGE_OBJECT_TOO_LARGE';
  readonly key: string;
  readonly maxBytes: number;
  constructor(key: string, maxBytes: number) {
    super(`storage object ${key} holds more than ${maxBytes} bytes of plaintext, the limit for reading it into memory`);
    this.name = 'ObjectTooLargeError';
    this.key = key;
    this.maxBytes = maxBytes;
  }
}

const STORAGE_HINTS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a file stands where a folder should be',
  EEXIST: 'a file stands where a folder should be',
  EIO: 'an I/O error (failing disk?)',
  ENOENT: 'it does not exist',
};

/** An errno code in words ('ENOSPC' → 'the disk is full'), or the code itself. */
export function errnoInWords(code: string): string {
  return STORAGE_HINTS[code] ?? code;
}

/** The storage could not take an object: names the key, the root and the cause in words. */
export class StorageWriteError extends Error {
  constructor(
    readonly key: string,
    readonly root: string,
    readonly code: string,
    cause: Error,
  ) {
    super(`cannot store object ${key} under ${root}: ${STORAGE_HINTS[code] ?? code} (${cause.message})`, { cause });
    this.name = 'StorageWriteError';
  }

  /** Wraps file-system errors (those with an errno code and a syscall); anything else is returned as is. */
  static wrap(error: unknown, key: string, root: string): unknown {
    const e = error as NodeJS.ErrnoException;
    if (e instanceof Error && typeof e.code === 'string' && typeof e.syscall === 'string') return new StorageWriteError(key, root, e.code, e);
    return error;
  }
}

/** The storage cannot take objects at all (found by the start-up probe): names the place, the step and the cause. */
export class StorageUnusableError extends Error {
  constructor(
    readonly place: string,
    readonly step: string,
    readonly code: string,
    options?: ErrorOptions,
  ) {
    super(`storage root ${place} is not usable: cannot ${step}: ${STORAGE_HINTS[code] ?? code} (${code})`, options);
    this.name = 'StorageUnusableError';
  }

  static from(error: unknown, place: string, step: string): StorageUnusableError {
    const code = (error as NodeJS.ErrnoException)?.code;
    return new StorageUnusableError(place, step, typeof code === 'string' ? code : 'unknown', { cause: error });
  }
}

/** An object's path holds a symbolic link, a folder or a device: refused, never followed or read. */
export class ObjectNotRegularFileError extends Error {
  readonly code = 'STORAGE_OBJECT_NOT_REGULAR';
  constructor(
    readonly key: string,
    readonly found: string,
  ) {
    super(`storage object ${key} is ${found}, not a regular file: refused without reading it`);
    this.name = 'ObjectNotRegularFileError';
  }
}
