import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../../../../src/host/host';
import { ADMIN_TOKEN, createHostFixture, eventsOfType, waitUntil, type HostFixture } from '../../../../test/support/host-fixture';
import { captureLogs, LEVELS, type CapturedLogs } from '../../../../test/support/log-capture';
import { API_PREFIX } from './api/context';

describe('rejected requests on a running host: what the audit trail records', () => {
  let f: HostFixture;
  let host: Host;
  let logs: CapturedLogs;
  beforeAll(async () => {
    f = await createHostFixture('trauditrej');
    logs = captureLogs('info');
    host = await f.startHost({}, { logger: logs.logger });
  });
  afterAll(() => f.cleanup());

  it("records a bad trigger token, a wrong token tried on /metrics and a probe of the API; not a browser's favicon, a crawler's robots.txt, /latest's 404 or a scrape without a token", async () => {
    const get = (path: string, headers: Record<string, string> = {}) => fetch(`${host.url}${path}`, { headers });
    expect((await get('/favicon.ico')).status).toBe(404);
    expect((await get('/robots.txt')).status).toBe(404);
    for (let i = 0; i < 3; i++) expect((await get('/metrics')).status).toBe(401);
    expect((await get('/metrics', { authorization: 'Bearer not-the-admin-token-at-all' })).status).toBe(401);
    expect((await get(`${API_PREFIX}/latest`, { authorization: `Bearer ${ADMIN_TOKEN}` })).status).toBe(404); // no backup yet
    expect((await get(`${API_PREFIX}/nope`)).status).toBe(404);
    const badToken = await fetch(`${host.url}${API_PREFIX}/trigger`, { method: 'PATCH', headers: { authorization: 'Bearer wrong-token-0123456789' } });
    expect(badToken.status).toBe(401);

    // The audit writes in order: once the last one is in, every earlier one would be too.
    const rejected = await waitUntil(async () => {
      const rows = await eventsOfType(f.db.pool, 'RequestRejected');
      return rows.some((r) => String(r.data.reason).startsWith('PATCH') && String(r.data.reason).includes('/trigger')) && rows;
    }, 'the bad trigger token to be audited');
    const expected = ['GET /metrics: 401 unauthorized', `GET ${API_PREFIX}/nope: 404 not_found`, `PATCH ${API_PREFIX}/trigger: 401 unauthorized`];
    expect(rejected.map((r) => r.data.reason)).toEqual(expected);

    // The refused scrapes: one warning, naming the fix; no "backup request rejected" for them or the favicon.
    const scrapes = logs.matching(/^\/metrics scrape refused/);
    expect(scrapes).toHaveLength(1);
    expect(scrapes[0]).toMatchObject({ level: LEVELS.warn, status: 401, refused: 1 });
    expect(scrapes[0]!.msg).toMatch(/COTTON_METRICS_PUBLIC/);
    const audited = logs.matching(/backup request rejected/).map((l) => String(l.reason));
    expect(audited).toEqual(expected);
    expect(JSON.stringify(logs.lines())).not.toContain('favicon');
  });
});
