import type { ObjectStorage } from '../object-storage';
import type { PipelineOptions } from '../pipeline/pipeline';
import { folderStorage } from './open-backend';

export { InvalidStorageKeyError, ObjectNotFoundError, ObjectTooLargeError } from '../backend/errors';
export { DEFAULT_READ_BUFFER_LIMIT } from '../pipeline/pipeline';
export { digestStream, HashingPassThrough, type StreamDigest } from '../digest';

export interface CreateStorageOptions extends PipelineOptions {
  /** Cotton's storage root (the folder holding `ab/cd/<rest>.ctn`). */
  root: string;
}

/** The storage plus its filesystem facts, for tools and tests; plugins see only ObjectStorage. */
export interface FilesystemObjectStorage extends ObjectStorage {
  readonly root: string;
  /** Where `key` lives on disk (Cotton's layout). */
  objectPath(key: string): string;
}

/** Cotton's storage pipeline over a folder (COTTON.md §2): `<root>/ab/cd/<rest>.ctn`. */
export function createStorage(options: CreateStorageOptions): FilesystemObjectStorage {
  const { backend, storage } = folderStorage(options.root, options);
  return { ...storage, root: backend.root, objectPath: (key) => backend.path(key) };
}
