import { FilesystemStore } from '../filesystem/filesystem-store';
import type { ObjectStorage } from '../object-storage';
import { createPipelineStorage, type PipelineOptions } from '../pipeline/pipeline';

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
  const store = new FilesystemStore(options.root);
  return { ...createPipelineStorage(store, options), root: store.root, objectPath: (key) => store.path(key) };
}
