import type { RouteOptions } from 'fastify';
import { HttpError } from '../../../../src/http/errors';
import { pointerStorageKey } from '../../../../src/keys/keys';
import { readManifest, readPointer } from '../../manifest/manifest-store';
import { API_PREFIX, type ApiContext } from './context';

/** Cotton's latest-backup DTO (COTTON.md §6). */
export interface LatestBackupDto {
  backupId: string;
  createdAtUtc: string;
  pointerUpdatedAtUtc: string;
  dumpSizeBytes: number;
  chunkCount: number;
  dumpContentHash: string;
  sourceDatabase: string;
  sourceHost: string;
  sourcePort: string;
}

/** `GET …/latest`: what storage says (pointer → manifest), as Cotton reads it; 404 when there is no pointer. */
export function latestRoute(ctx: ApiContext): RouteOptions {
  return {
    method: 'GET',
    url: `${API_PREFIX}/latest`,
    handler: async (): Promise<LatestBackupDto> => {
      const pointer = await readPointer(ctx.storage, pointerStorageKey(ctx.masterEncryptionKey));
      if (!pointer) throw new HttpError(404, 'not_found', 'No database backup exists yet.');
      const m = await readManifest(ctx.storage, pointer.latestManifestStorageKey);
      return {
        backupId: m.backupId,
        createdAtUtc: m.createdAtUtc,
        pointerUpdatedAtUtc: pointer.updatedAtUtc,
        dumpSizeBytes: m.dumpSizeBytes,
        chunkCount: m.chunkCount,
        dumpContentHash: m.dumpContentHash,
        sourceDatabase: m.sourceDatabase,
        sourceHost: m.sourceHost,
        sourcePort: m.sourcePort,
      };
    },
  };
}
