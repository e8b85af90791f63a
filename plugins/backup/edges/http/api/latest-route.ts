import type { RouteOptions } from 'fastify';
import { HttpError } from '../../../../../src/http/errors';
import { readLatestBackup, type LatestBackupDto } from '../../../repository/latest-backup';
import { API_PREFIX, type ApiContext } from './context';

/** Exactly Cotton's DTO: a client written for Cotton sees the same shape. */
export type CottonLatestBackupDto = Omit<LatestBackupDto, 'manifestStorageKey'>;

/** `GET …/latest`: what storage says (pointer → manifest), as Cotton reads it; 404 when there is no pointer. */
export function latestRoute(ctx: ApiContext): RouteOptions {
  return {
    method: 'GET',
    url: `${API_PREFIX}/latest`,
    handler: async (): Promise<CottonLatestBackupDto> => {
      const latest = await readLatestBackup(ctx.storage, ctx.masterEncryptionKey);
      if (!latest) throw new HttpError(404, 'not_found', 'No database backup exists yet.');
      const { manifestStorageKey: _omitted, ...cotton } = latest;
      return cotton;
    },
  };
}
