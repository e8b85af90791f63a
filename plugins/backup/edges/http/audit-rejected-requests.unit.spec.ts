import { describe, expect, it } from 'vitest';
import type { HttpRejection } from '../../../../src/contract/services';
import type { RejectionAudit } from '../../requests/rejection-audit';
import { captureLogs } from '../../../../test/support/log-capture';
import { auditRejectedRequests, METRICS_REFUSAL_LOG_INTERVAL_MS } from './audit-rejected-requests';

const scrape: HttpRejection = { method: 'GET', path: '/metrics', route: '/metrics', status: 401, reason: 'unauthorized', sample: '/metrics', sizeBytes: 0 };

describe('auditRejectedRequests', () => {
  it('warns of refused scrapes at most once per interval, with the count since the last line, and audits none', () => {
    const audited: string[] = [];
    const audit = { reject: (_source: string, reason: string) => void audited.push(reason) } as unknown as RejectionAudit;
    const logs = captureLogs('info');
    let now = 1_000_000;
    const listen = auditRejectedRequests(audit, logs.logger, () => now);
    for (let i = 0; i < 40; i++) {
      listen(scrape);
      now += 15_000; // a Prometheus every 15 s
    }
    now += METRICS_REFUSAL_LOG_INTERVAL_MS;
    listen(scrape);
    // 10 minutes of scrapes: the first line; the next one counts the 39 unlogged and itself.
    expect(logs.lines().map((l) => l.refused)).toEqual([1, 40]);
    expect(audited).toEqual([]);
  });

  it('audits unparseable requests and bad tokens on any route; not the 404 of a path outside /api/', () => {
    const audited: string[] = [];
    const audit = { reject: (_source: string, reason: string) => void audited.push(reason) } as unknown as RejectionAudit;
    const listen = auditRejectedRequests(audit);
    listen({ method: '-', path: '-', status: 431, reason: 'headers_too_large', sample: '', sizeBytes: 0 });
    listen({ method: 'GET', path: '/', route: '/', status: 401, reason: 'unauthorized', sample: '/', sizeBytes: 0 });
    listen({ method: 'GET', path: '/favicon.ico', status: 404, reason: 'not_found', sample: '/favicon.ico', sizeBytes: 0 });
    expect(audited).toEqual(['- -: 431 headers_too_large', 'GET /: 401 unauthorized']);
  });

  it('audits a wrong token tried on /metrics: only a scrape without credentials stays out of the trail', () => {
    const audited: string[] = [];
    const audit = { reject: (_source: string, reason: string) => void audited.push(reason) } as unknown as RejectionAudit;
    const listen = auditRejectedRequests(audit);
    listen({ ...scrape, presentedCredentials: false });
    listen({ ...scrape, presentedCredentials: true });
    expect(audited).toEqual(['GET /metrics: 401 unauthorized']);
  });
});
