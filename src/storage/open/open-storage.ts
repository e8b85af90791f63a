import type { HostConfig } from '../../config/config';
import type { Logger } from '../../logging/logger';
import type { StorageBackend } from '../backend/storage-backend';
import type { ObjectStorage } from '../object-storage';
import type { CottonStorageSettings } from '../s3/cotton-storage-settings';
import { resolveS3Settings } from '../s3/resolve-s3-settings';
import { storageIdentityHandle } from '../identity/storage-identity-handle';
import { openBackendStorage, type BackendChoice, type BackendStorage } from './open-backend';

export interface OpenStorageOptions {
  config: HostConfig;
  /** The 32-byte master encryption key. */
  masterEncryptionKey: Buffer;
  logger: Logger;
  /** Cotton's storage choice (its server_settings); omitted or undefined: the variables alone decide. */
  cottonSettings?: () => Promise<CottonStorageSettings | undefined>;
  /** Told every secret the storage uses (the S3 secret), so logs and events can scrub it. */
  addSecret?: (secret: string) => void;
  /**
   * Refuse a storage that cannot take a write (default true: `serve` must not start healthy on
   * one; it creates a missing root). A CLI command that only reads passes false: reading a backup
   * from a read-only copy of the root must work. Either way the root must exist and be a folder
   * (or the bucket answer), and the master key is proven against the storage (storage/identity).
   */
  probe?: boolean;
}

export interface OpenedStorage {
  /** The pipeline (plaintext in and out) that plugins and commands use. */
  storage: ObjectStorage;
  /** The raw backend under it (container bytes), for housekeeping and copies. */
  backend: StorageBackend;
  close(): Promise<void>;
}

/**
 * Opens the configured storage, the same way for the host and every CLI command: chooses the
 * backend (S3 when our variables or Cotton's server_settings say so, else the folder), probes it
 * (refusing a storage that cannot take a write), lets it do its own housekeeping (leftovers of
 * writes that never finished), proves the master key against it, and puts Cotton's pipeline over it.
 */
export async function openStorage(options: OpenStorageOptions): Promise<OpenedStorage> {
  const { logger } = options;
  const opened = await chooseStorage(options);
  const backend = opened.backend;
  try {
    if (options.probe ?? true) await backend.probe();
    const swept = await backend.sweep();
    if (swept > 0) logger.info({ removed: swept, storage: backend.description }, 'removed leftovers of storage writes that never finished');
  } catch (error) {
    await backend.close();
    throw error;
  }
  const identity = storageIdentityHandle(backend, options.masterEncryptionKey);
  try {
    // Before anything is read or written: a wrong key would make another key's objects look
    // present (they are keyed by plaintext hash) and every backup "reuse" what it cannot read.
    const proof = await identity.prove();
    logger.debug({ storage: backend.description, by: proof.by, storageId: proof.identity?.storageId }, 'master key proven against the storage');
  } catch (error) {
    await backend.close();
    throw error;
  }
  return { storage: { ...opened.storage, identity }, backend, close: opened.close };
}

async function chooseStorage(options: OpenStorageOptions): Promise<BackendStorage> {
  const { config } = options;
  const pipeline = { masterEncryptionKey: options.masterEncryptionKey, zstdLevel: config.storage.zstdLevel, logger: options.logger };
  const cotton = await options.cottonSettings?.();
  const s3 = resolveS3Settings(config.s3, cotton, options.masterEncryptionKey);
  // Cotton's own root: links in its layout are followed, as Cotton does (copy targets refuse them).
  if (!s3) return openBackendStorage({ kind: 'folder', root: config.storage.root, linkedFolders: 'follow' }, pipeline);
  options.addSecret?.(s3.secretAccessKey);
  // Two layers of retries, bounded together: the SDK tries each request twice (a dropped
  // connection, a throttled answer), the factory's wrapper repeats the whole operation up to 4
  // times with a longer backoff (a server away for seconds): at most 8 requests per operation.
  const choice: BackendChoice = { kind: 's3', settings: s3, sdkMaxAttempts: 2 };
  const opened = await openBackendStorage(choice, pipeline);
  options.logger.info({ storage: opened.backend.description, from: s3.names.bucket }, 'storage is S3');
  return opened;
}
