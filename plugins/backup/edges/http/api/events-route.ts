import type { RouteOptions } from 'fastify';
import { z } from 'zod';
import { HttpError } from '../../../../../src/http/errors';
import { EVENT_TYPES, readAll, readNewest, type EventType, type RecordedEvent } from '../../../events';
import { API_PREFIX, type ApiContext } from './context';
import { parseQuery } from './query';

/** global_position is a bigint: a larger number would be a database error, not a 400. */
const MAX_POSITION = 2n ** 63n - 1n;

const position = z
  .string()
  .regex(/^\d{1,19}$/, 'a global position (digits)')
  .refine((v) => !/^\d+$/.test(v) || BigInt(v) <= MAX_POSITION, `at most ${MAX_POSITION} (a bigint)`);

const KNOWN_TYPES = new Set<string>(EVENT_TYPES);

const querySchema = z
  .strictObject({
    after: position.optional(),
    before: position.optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    order: z.enum(['asc', 'desc']).default('asc'),
    // Stream ids are ours (backup ids, `copy-<target>`, `verification-…`): nothing else to match.
    stream: z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/, 'a stream id or its beginning (letters, digits, . _ : -; at most 200)').optional(),
    type: z
      .string()
      .transform((v) => v.split(','))
      .refine((types) => types.every((t) => KNOWN_TYPES.has(t)), { message: 'event types of the vocabulary, comma-separated (e.g. CopyFailed,BackupFailed)' })
      .optional(),
  })
  .superRefine((q, ctx) => {
    if (q.order === 'asc' && q.before !== undefined) ctx.addIssue({ code: 'custom', path: ['before'], message: 'only with order=desc (after= pages forward)' });
    if (q.order === 'desc' && q.after !== undefined) ctx.addIssue({ code: 'custom', path: ['after'], message: 'only with order=asc (before= pages back)' });
  });

const toDto = (e: RecordedEvent) => ({
  globalPosition: e.globalPosition.toString(),
  streamId: e.streamId,
  streamVersion: e.streamVersion.toString(),
  type: e.type,
  data: e.data,
  metadata: e.metadata,
  occurredAt: e.occurredAt.toISOString(),
});

/**
 * `GET …/events`: the audit trail, optionally only streams starting with `stream` and of `type`s.
 * `order=asc` (default) pages forward in global order by `after` (`nextAfter` of one page is
 * `after` of the next; late-committing transactions are never skipped); `order=desc` pages back
 * from the newest by `before` (`nextBefore`, null at the oldest), which is what a person reads.
 */
export function eventsRoute(ctx: ApiContext): RouteOptions {
  return {
    method: 'GET',
    url: `${API_PREFIX}/events`,
    handler: async (request) => {
      const { after, before, limit, order, stream, type } = parseQuery(querySchema, request.query);
      const filters = { limit, streamPrefix: stream, types: type as EventType[] | undefined };
      if (order === 'desc') {
        const page = await readNewest(ctx.pool, { ...filters, before: before === undefined ? undefined : BigInt(before) });
        return { events: page.events.map(toDto), nextBefore: page.nextBefore?.toString() ?? null };
      }
      const from = after === undefined || after === '0' ? null : BigInt(after);
      let page;
      try {
        page = await readAll(ctx.pool, { ...filters, after: from });
      } catch (error) {
        if (error instanceof RangeError) throw new HttpError(400, 'invalid_request', `Invalid query: after: no event at global position ${after}.`);
        throw error;
      }
      return { events: page.events.map(toDto), nextAfter: page.checkpoint?.globalPosition ?? after ?? '0' };
    },
  };
}
