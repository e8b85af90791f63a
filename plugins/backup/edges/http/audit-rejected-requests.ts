import type { Logger } from 'pino';
import type { HttpRejection } from '../../../../src/contract/services';
import type { RejectionAudit } from '../../requests/rejection-audit';
import { METRICS_PATH } from './metrics-route';

/** A refused scrape is logged at most once per this long, with the count since the last line. */
export const METRICS_REFUSAL_LOG_INTERVAL_MS = 10 * 60_000;

/**
 * Whether a rejected request belongs in the append-only audit trail (RequestRejected). A request
 * turned away is (bad token, bad payload, too large, unparseable HTTP), on any route and on an
 * unknown path under /api/ (someone probing the API); not an answer that there is nothing there:
 * a 404 of a route (`/latest` before the first backup, which Cotton asks for) or of a path no
 * route serves outside /api/ (a browser's /favicon.ico, a crawler's /robots.txt). Not a /metrics
 * scrape without credentials (a Prometheus without the token asks every few seconds for good),
 * but one that presented a token is: /metrics must not be where tokens are tried unseen.
 */
export function auditWorthy(r: HttpRejection): boolean {
  if (r.route === METRICS_PATH) return r.presentedCredentials === true;
  if (r.status === 404) return r.route === undefined && r.path.startsWith('/api/');
  return true;
}

/**
 * The listener for the host's rejected requests: the audit-worthy ones to the RejectionAudit; a
 * refused /metrics scrape one warning line (rate-limited); the rest only in fastify's debug line.
 */
export function auditRejectedRequests(audit: RejectionAudit, logger?: Logger, now: () => number = Date.now): (r: HttpRejection) => void {
  let lastWarned: number | undefined;
  let refusedSince = 0;
  return (r) => {
    if (auditWorthy(r)) {
      audit.reject('api', `${r.method} ${r.path}: ${r.status} ${r.reason}`, r.sample, r.sizeBytes);
      return;
    }
    if (r.route !== METRICS_PATH) return;
    refusedSince++;
    const t = now();
    if (lastWarned !== undefined && t - lastWarned < METRICS_REFUSAL_LOG_INTERVAL_MS) return;
    logger?.warn(
      { status: r.status, refused: refusedSince },
      `${METRICS_PATH} scrape refused (${r.reason}): give the scraper the admin token as a bearer token, or set COTTON_METRICS_PUBLIC=true; logged at most every ${METRICS_REFUSAL_LOG_INTERVAL_MS / 60_000} minutes`,
    );
    lastWarned = t;
    refusedSince = 0;
  };
}
