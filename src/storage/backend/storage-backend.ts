import type { Duplex, Readable } from 'node:stream';

export interface StoreWriteResult {
  written: boolean;
  /** Bytes of the object now under the key (the new one, or the existing one when skipped). */
  storedBytes: number;
}

export interface BackendWriteOptions {
  /**
   * Replace an existing object atomically: readers see the old or the new object, never a gap
   * (never delete-then-write). Only the mutable pointer uses this.
   */
  overwrite?: boolean;
  /**
   * The caller has just seen the key absent (the pipeline checks before it compresses and
   * encrypts): a backend may skip its own look-up. Put-if-absent still holds where the backend
   * has a conditional write; elsewhere a racing writer of the same key may rewrite it with the
   * same plaintext (content-addressed), never lose it.
   */
  checkedAbsent?: boolean;
  /**
   * Another copy of the same bytes, made on demand: a write that failed transiently can then be
   * tried again (storage/retry). Without it a write is tried once, its source being spent.
   */
  replay?: () => ByteSource;
}

/** A source, or a chain (source, transforms...) that the backend runs with one pipeline(). */
export type ByteSource = Readable | readonly [Readable, ...Duplex[]];

/**
 * A storage backend: raw container bytes under Cotton's key layout. It neither compresses nor
 * encrypts (the pipeline does); every backend passes test/support/storage-contract.ts.
 * Every method refuses a key that is not 64 lowercase hex characters (InvalidStorageKeyError).
 */
export interface StorageBackend {
  /** Where the objects are, for messages: a folder path or an s3:// address (never a secret). */
  readonly description: string;
  /**
   * Without `overwrite`, put-if-absent: an existing object wins and `source` is destroyed
   * (content-addressed, so it is the same object). A failed write leaves no object behind.
   */
  write(key: string, source: ByteSource, options?: BackendWriteOptions): Promise<StoreWriteResult>;
  /** The stored bytes; rejects with ObjectNotFoundError when absent, before any byte is produced. */
  openRead(key: string): Promise<Readable>;
  /**
   * Optional: the stored bytes copied straight into `out` at `offset`, for a backend that can do
   * so without buffers of its own (a file read into the caller's memory); their length, or
   * undefined when the object holds more than `maxBytes`. Errors as openRead; `signal` stops it
   * before its bytes are read.
   */
  readInto?(key: string, out: Uint8Array, offset: number, maxBytes: number, signal?: AbortSignal): Promise<number | undefined>;
  /** Stored size in bytes, or undefined when absent. */
  size(key: string): Promise<number | undefined>;
  exists(key: string): Promise<boolean>;
  /** True when something was deleted; deleting a missing object is harmless (false). */
  delete(key: string): Promise<boolean>;
  /**
   * Keys of every object of exactly Cotton's shape: in key order where `listsInKeyOrder` says so
   * (then `startAfter` lists only the keys after that one), else in no particular order.
   */
  list(options?: { startAfter?: string }): AsyncIterable<string>;
  /** True when list() gives keys in ascending order and honours `startAfter` (S3's ListObjectsV2 does). */
  readonly listsInKeyOrder?: boolean;
  /**
   * Optional: the bytes of a small named file beside the objects (at the folder root or the bucket
   * prefix), outside Cotton's key shape, so Cotton's listing, consistency job and GC never see it;
   * undefined when there is none. A root that is missing or not a folder is refused
   * (StorageUnusableError), as a missing bucket is. Two live there: the storage's identity record
   * (storage/identity, the key proof) and its role marker (plugins/backup/copies).
   */
  readMarker?(name: string): Promise<Buffer | undefined>;
  /**
   * Optional: creates that named file unless one is there, atomically (a reader never sees half of
   * it); false when one was, left as it is. Never a replace: nothing rewrites a marker (an S3
   * server without conditional writes leaves a narrow race of two first writers, see S3Backend).
   */
  createMarker?(name: string, bytes: Buffer): Promise<boolean>;
  /** Refuses (StorageUnusableError: the place and the reason) a storage that cannot take a write. */
  probe(): Promise<void>;
  /** Housekeeping: removes leftovers of writes that never finished; returns how many. Never throws. */
  sweep(): Promise<number>;
  close(): Promise<void>;
  /** True when `error` (thrown by this backend) says the object is absent. */
  isNotFound(error: unknown): boolean;
  /**
   * True when trying again cannot help (a missing object or bucket, refused credentials, a full
   * disk, a bad key, a failing source); false for what may pass (5xx, throttling, timeouts,
   * connection resets). The retry wrapper asks this of each error.
   */
  isPermanent(error: unknown): boolean;
}

const MARKER_NAME = /^[a-z0-9][a-z0-9.-]{0,63}\.json$/;
/** A marker is a few hundred bytes; anything larger is not one (refused when read). */
export const MARKER_MAX_BYTES = 64 * 1024;

/** A marker's name: a plain file name ending in .json, never a path nor anything of Cotton's key shape. */
export function assertMarkerName(name: string): string {
  if (!MARKER_NAME.test(name)) throw new Error(`invalid storage marker name ${JSON.stringify(name)}: expected a plain name ending in .json`);
  return name;
}
