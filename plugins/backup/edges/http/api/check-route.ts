import type { RouteOptions } from 'fastify';
import type { CheckEnvironment } from '../../../checks/check-line';
import { runChecks, type CheckReport } from '../../../checks/run-checks';
import { API_PREFIX } from './context';

/** `GET …/check`: `cotton-backup check --json`'s report from the running host; 200 whatever the lines say (the status is in the body). */
export function checkRoute(checks: CheckEnvironment): RouteOptions {
  return {
    method: 'GET',
    url: `${API_PREFIX}/check`,
    handler: async (): Promise<CheckReport> => runChecks(checks),
  };
}
