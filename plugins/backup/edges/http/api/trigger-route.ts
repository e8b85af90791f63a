import type { RouteOptions } from 'fastify';
import { HttpError } from '../../../../../src/http/errors';
import { MAX_PAYLOAD_BYTES, parseCheckpointRequest } from '../../../requests/request-payload';
import { API_PREFIX, type ApiContext } from './context';

/** `PATCH …/trigger` with an optional `{ reason?, requestedBy? }`: records a request, answers 202 `{ requestId }`. */
export function triggerRoute(ctx: ApiContext): RouteOptions {
  return {
    method: 'PATCH',
    url: `${API_PREFIX}/trigger`,
    bodyLimit: MAX_PAYLOAD_BYTES,
    handler: async (request, reply) => {
      const parsed = parseCheckpointRequest(request.body);
      if (!parsed.ok) throw new HttpError(400, 'invalid_request', `Invalid backup request: ${parsed.reason}.`);
      const requestId = await ctx.coordinator.request({
        source: 'api',
        reason: parsed.value.reason ?? 'admin API trigger',
        requestedBy: parsed.value.requestedBy ?? 'admin API',
      });
      return reply.code(202).send({ requestId });
    },
  };
}
