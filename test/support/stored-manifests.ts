import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemStore } from '../../src/storage/filesystem/filesystem-store';
import type { ObjectStorage } from '../../src/storage/object-storage';
import { createPipelineStorage } from '../../src/storage/pipeline/pipeline';
import type { IndexEntry } from '../../plugins/backup/repository/backup-index';
import type { Manifest } from '../../plugins/backup/repository/manifest';
import { writeManifest } from '../../plugins/backup/repository/manifest-store';

/** A fresh folder storage under the pipeline, per call, in one temp folder removed by dispose(). */
export async function scratchStorages(masterEncryptionKey: Buffer): Promise<{ next(): Promise<ObjectStorage>; dispose(): Promise<void> }> {
  const folder = await mkdtemp(join(tmpdir(), 'cotton-scratch-storage-'));
  let n = 0;
  return {
    async next() {
      const backend = new FilesystemStore(join(folder, `root-${++n}`));
      await backend.probe();
      return createPipelineStorage(backend, { masterEncryptionKey });
    },
    dispose: () => rm(folder, { recursive: true, force: true }),
  };
}

/** A valid manifest written to `storage` (one made-up chunk), dated `createdAtUtc`, linking back to `previous`. */
export async function storeManifest(storage: ObjectStorage, backupId: string, createdAtUtc: string, previous?: string): Promise<IndexEntry> {
  const manifest = {
    schemaVersion: 1, backupId, createdAtUtc, contains: 'postgres_database_dump', dumpFormat: 'pg_dump_custom', sourceDatabase: 'cotton',
    sourceHost: 'localhost', sourcePort: '5432', hashAlgorithm: 'SHA256', chunkSizeBytes: 1, dumpSizeBytes: 1, dumpContentHash: 'd'.repeat(64),
    chunkCount: 1, elapsed: '00:00:01.0000000', chunks: [{ order: 0, storageKey: 'e'.repeat(64), sizeBytes: 1 }],
    ...(previous ? { previousManifestStorageKey: previous } : {}),
  } as Manifest;
  return { manifestKey: await writeManifest(storage, manifest), backupId, createdAtUtc };
}

/** Registers a fresh scratch storage per test (beforeEach) in the calling spec; read it through the getter. */
export function useScratchStorage(masterEncryptionKey: Buffer, hooks: { beforeEach: (fn: () => Promise<void>) => void; afterAll: (fn: () => Promise<void>) => void }): () => ObjectStorage {
  let storages: Awaited<ReturnType<typeof scratchStorages>> | undefined;
  let storage: ObjectStorage | undefined;
  hooks.beforeEach(async () => {
    storages ??= await scratchStorages(masterEncryptionKey);
    storage = await storages.next();
  });
  hooks.afterAll(async () => storages?.dispose());
  return () => storage!;
}
