import type { Logger } from '../../logging/logger';
import type { StorageBackend } from '../backend/storage-backend';
import { FilesystemStore, type FilesystemStoreOptions } from '../filesystem/filesystem-store';
import type { ObjectStorage } from '../object-storage';
import { createPipelineStorage, type PipelineOptions } from '../pipeline/pipeline';
import type { S3Settings } from '../s3/s3-settings';

/** Where a storage lives: a folder in Cotton's layout, or an S3 bucket (under a prefix, its settings named for errors). */
export type BackendChoice =
  | { kind: 'folder'; root: string; linkedFolders?: FilesystemStoreOptions['linkedFolders'] }
  | {
      kind: 's3';
      settings: S3Settings;
      /** The SDK's own tries per request, each caller stating its choice (the retry wrapper repeats whole operations above them). */
      sdkMaxAttempts: number;
    };

export interface OpenBackendOptions extends PipelineOptions {
  /** Told of every retried S3 operation. */
  logger?: Logger;
}

/** A backend (container bytes, for housekeeping and copies) and Cotton's pipeline over it (plaintext in and out). */
export interface BackendStorage<B extends StorageBackend = StorageBackend> {
  backend: B;
  storage: ObjectStorage;
  close(): Promise<void>;
}

/** Whole operations are tried up to 4 times: with the SDK's 2 tries, at most 8 requests per operation. */
const OPERATION_ATTEMPTS = 4;

/**
 * The one place a storage is built, the primary and every copy target alike, so none misses a
 * wrapper: S3 behind the retry wrapper (a server away for seconds; a listing resumed after its
 * last key), the folder bare (its failures are not transient), Cotton's pipeline over either.
 * Nothing is probed or written here: what a storage must prove first is its caller's business.
 */
export async function openBackendStorage(choice: BackendChoice, options: OpenBackendOptions): Promise<BackendStorage> {
  if (choice.kind === 'folder') return folderStorage(choice.root, options, { linkedFolders: choice.linkedFolders });
  const { S3Backend } = await import('../s3/s3-backend');
  const { RetryingBackend } = await import('../retry/retrying-backend');
  const s3Backend = new S3Backend(choice.settings, { maxAttempts: choice.sdkMaxAttempts });
  const backend = new RetryingBackend(s3Backend, {
    maxAttempts: OPERATION_ATTEMPTS,
    onRetry: ({ operation, attempt, delayMs, error }) =>
      options.logger?.warn({ storage: s3Backend.description, operation, attempt, delayMs, error: (error as Error)?.message }, 'storage operation failed for a moment; retrying'),
  });
  return over(backend, options);
}

/** A folder storage, synchronously (tools and tests want its filesystem facts: FilesystemStore). */
export function folderStorage(root: string, options: PipelineOptions, store: FilesystemStoreOptions = {}): BackendStorage<FilesystemStore> {
  return over(new FilesystemStore(root, store), options);
}

function over<B extends StorageBackend>(backend: B, options: PipelineOptions): BackendStorage<B> {
  const storage = createPipelineStorage(backend, { masterEncryptionKey: options.masterEncryptionKey, zstdLevel: options.zstdLevel });
  return { backend, storage, close: () => backend.close() };
}
