import type { HostConfig } from '../config/config';
import type { Logger } from '../logging/logger';
import type { StorageBackend } from './backend';
import { FilesystemStore } from './filesystem/filesystem-store';
import type { ObjectStorage } from './object-storage';
import { createPipelineStorage } from './pipeline';

export interface OpenStorageOptions {
  config: HostConfig;
  /** The 32-byte master encryption key. */
  masterEncryptionKey: Buffer;
  logger: Logger;
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
 * backend, probes it (refusing a storage that cannot take a write), lets it do its own housekeeping (leftovers of writes that never finished), and puts
 * Cotton's pipeline over it.
 */
export async function openStorage(options: OpenStorageOptions): Promise<OpenedStorage> {
  const { config, logger } = options;
  const backend: StorageBackend = new FilesystemStore(config.storage.root);
  await backend.probe();
  const swept = await backend.sweep();
  if (swept > 0) logger.info({ removed: swept }, 'removed temp files of storage writes that never finished');
  const storage = createPipelineStorage(backend, { masterEncryptionKey: options.masterEncryptionKey, zstdLevel: config.storage.zstdLevel });
  return { storage, backend, close: () => backend.close() };
}
