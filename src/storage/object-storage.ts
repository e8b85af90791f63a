import type { Readable } from 'node:stream';
import type { StorageBackend } from './backend/storage-backend';
import type { DecodePool } from './decode/decode-pool';
import type { StorageIdentityHandle } from './identity/storage-identity-handle';

export interface WriteResult {
  /** False when the key already existed and nothing was written (deduplication). */
  written: boolean;
  /** Bytes of the stored object (compressed, encrypted) if written, else of the existing one. */
  storedBytes: number;
}

export interface WriteOptions {
  /** Replace an existing object atomically (rename over it). Only the mutable pointer uses this. */
  overwrite?: boolean;
  /**
   * The same plaintext again, as a fresh stream, for a `source` that is a stream: a write that
   * failed transiently can then be tried again (storage/retry). Bytes in memory need none.
   */
  replay?: () => Readable;
}

/**
 * Cotton's storage pipeline as a host service: plaintext in, zstd → CTN2 → backend, and back.
 * Keys are lowercase hex SHA-256 (64 chars); the pipeline does not check that a key matches its
 * content — callers that care (restore verification) hash what they read.
 */
export interface ObjectStorage {
  /**
   * Stores `source` under `key`. When the key already exists and `overwrite` is not set, nothing
   * is written ({ written: false }) and a Readable source is destroyed unread (no error): hash
   * before writing if the bytes are needed anyway.
   */
  write(key: string, source: Readable | Uint8Array, options?: WriteOptions): Promise<WriteResult>;
  /** Plaintext stream; errors (missing object, CTN2 corruption) surface as stream errors or a rejected promise. */
  read(key: string): Promise<Readable>;
  /** Whole plaintext in memory: only for small objects such as manifests and pointers. */
  readBuffer(key: string, maxBytes?: number): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
  delete(key: string): Promise<boolean>;
  /** Stored size in bytes, or undefined when absent. */
  size(key: string): Promise<number | undefined>;
  list(): AsyncIterable<string>;
  /** The raw backend under the pipeline (container bytes), when there is one: copies move objects without decrypting. */
  readonly backend?: StorageBackend;
  /**
   * Worker threads that decode whole objects of this storage (decrypt, decompress, hash) into a
   * shared ring of `ringBytes`, for reading many objects on every core; the caller closes it.
   */
  openDecodePool?(options: { ringBytes: number }): DecodePool;
  /**
   * The storage's identity and key proof (storage/identity), on a storage opened by openStorage
   * (`serve` and every CLI command); test doubles have none.
   */
  readonly identity?: StorageIdentityHandle;
}
