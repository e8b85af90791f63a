import type { RouteOptions } from 'fastify';
import { z } from 'zod';
import { BACKUP_HISTORY_PAGE } from '../../../requests/sql';
import { API_PREFIX, type ApiContext } from './context';
import { parseQuery } from './query';

const querySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(20) });

const num = (v: string | number | null): number | null => (v === null ? null : Number(v));

/** `GET …/backups?limit=`: backup history, newest first. */
export function backupsRoute(ctx: ApiContext): RouteOptions {
  return {
    method: 'GET',
    url: `${API_PREFIX}/backups`,
    handler: async (request) => {
      const { limit } = parseQuery(querySchema, request.query);
      const { rows } = await ctx.pool.query(BACKUP_HISTORY_PAGE, [limit]);
      return {
        backups: rows.map((r) => ({
          backupId: r.backup_id,
          status: r.status,
          requestIds: r.request_ids,
          sourceDatabase: r.source_database,
          startedAt: r.started_at,
          finishedAt: r.finished_at,
          durationMs: num(r.duration_ms),
          dumpSizeBytes: num(r.dump_bytes),
          chunkCount: r.chunk_count,
          newChunks: r.new_chunks,
          reusedChunks: r.reused_chunks,
          newBytes: num(r.new_bytes),
          reusedBytes: num(r.reused_bytes),
          storedBytesWritten: num(r.stored_bytes_written),
          manifestKey: r.manifest_key,
          previousManifestKey: r.previous_manifest_key,
          pointerAdvanced: r.pointer_advanced,
          failedStep: r.failed_step,
          failureMessage: r.failure_message,
          origin: r.origin,
          retention: r.retention === null ? null : { state: r.retention, rules: r.retention_rules, expiredAt: r.expired_at },
        })),
      };
    },
  };
}
