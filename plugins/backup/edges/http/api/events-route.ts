import type { RouteOptions } from 'fastify';
import { z } from 'zod';
import { HttpError } from '../../../../../src/http/errors';
import { readAll } from '../../../events';
import { API_PREFIX, type ApiContext } from './context';
import { parseQuery } from './query';

/** global_position is a bigint: a larger number would be a database error, not a 400. */
const MAX_POSITION = 2n ** 63n - 1n;

const querySchema = z.strictObject({
  after: z
    .string()
    .regex(/^\d{1,19}$/, 'a global position (digits)')
    .refine((v) => !/^\d+$/.test(v) || BigInt(v) <= MAX_POSITION, `at most ${MAX_POSITION} (a bigint)`)
    .optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/**
 * `GET …/events?after=&limit=`: the audit trail in global order, paged by global position
 * (`nextAfter` of one page is `after` of the next). Late-committing transactions are never skipped.
 */
export function eventsRoute(ctx: ApiContext): RouteOptions {
  return {
    method: 'GET',
    url: `${API_PREFIX}/events`,
    handler: async (request) => {
      const { after, limit } = parseQuery(querySchema, request.query);
      const from = after === undefined || after === '0' ? null : BigInt(after);
      let page;
      try {
        page = await readAll(ctx.pool, { after: from, limit });
      } catch (error) {
        if (error instanceof RangeError) throw new HttpError(400, 'invalid_request', `Invalid query: after: no event at global position ${after}.`);
        throw error;
      }
      return {
        events: page.events.map((e) => ({
          globalPosition: e.globalPosition.toString(),
          streamId: e.streamId,
          streamVersion: e.streamVersion.toString(),
          type: e.type,
          data: e.data,
          metadata: e.metadata,
          occurredAt: e.occurredAt.toISOString(),
        })),
        nextAfter: page.checkpoint?.globalPosition ?? after ?? '0',
      };
    },
  };
}
