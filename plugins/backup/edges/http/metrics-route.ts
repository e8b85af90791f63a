import type { RouteOptions } from 'fastify';
import type { RouteRegistrar } from '../../../../src/contract/services';
import type { Metrics } from '../../metrics/metrics-registry';

export const METRICS_PATH = '/metrics';

/** `GET /metrics`: behind the admin token like every admin route, unless COTTON_METRICS_PUBLIC=true. */
export function registerMetricsRoute(routes: RouteRegistrar, metrics: Metrics, open: boolean): void {
  const route: RouteOptions = {
    method: 'GET',
    url: METRICS_PATH,
    handler: async (_request, reply) => {
      const text = await metrics.scrape();
      await reply.type(metrics.registry.contentType).header('cache-control', 'no-store').send(text);
    },
  };
  if (open) routes.public(route);
  else routes.admin(route);
}
