import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../../../../../src/host/host';
import { ADMIN_TOKEN, createHostFixture, eventsOfType, servedBackupOf, waitUntil, type HostFixture } from '../../../../../test/support/host-fixture';
import { API_PREFIX } from './context';

const RETENTION_SETTLED = `
  SELECT NOT EXISTS (SELECT 1 FROM cotton_backup.backup_history WHERE status = 'succeeded' AND retention IS NULL)
         AND pg_try_advisory_xact_lock(hashtextextended('cotton_backup.retention/' || current_database(), 0)) AS settled`;

describe('admin API on a running host', () => {
  let f: HostFixture;
  let host: Host;
  const json = (res: Response): Promise<any> => res.json();
  const call = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
    fetch(`${host.url}${API_PREFIX}${path}`, {
      method,
      body,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    });

  beforeAll(async () => {
    f = await createHostFixture('trapi');
    host = await f.startHost();
  });
  afterAll(() => f.cleanup());

  it('answers 404 JSON for /latest before any backup, and 401 without the token', async () => {
    const latest = await call('GET', '/latest');
    expect(latest.status).toBe(404);
    expect((await json(latest)).error.code).toBe('not_found');
    const anonymous = await fetch(`${host.url}${API_PREFIX}/trigger`, { method: 'PATCH' });
    expect(anonymous.status).toBe(401);
  });

  it('PATCH /trigger answers 202 with a request id that a backup serves, and /latest shows it', async () => {
    const res = await call('PATCH', '/trigger', JSON.stringify({ reason: 'before upgrade', requestedBy: 'ops' }));
    expect(res.status).toBe(202);
    const { requestId } = (await json(res)) as { requestId: string };
    const backupId = await servedBackupOf(f.db.pool, requestId);
    const requested = (await eventsOfType(f.db.pool, 'BackupRequested')).find((e) => e.data.requestId === requestId);
    expect(requested?.data).toMatchObject({ source: 'api', reason: 'before upgrade', requestedBy: 'ops' });

    const latest = await call('GET', '/latest');
    expect(latest.status).toBe(200);
    const dto = await json(latest);
    expect(Object.keys(dto).sort()).toEqual(
      ['backupId', 'chunkCount', 'createdAtUtc', 'dumpContentHash', 'dumpSizeBytes', 'pointerUpdatedAtUtc', 'sourceDatabase', 'sourceHost', 'sourcePort'].sort(),
    );
    expect(dto).toMatchObject({ backupId, sourceDatabase: f.db.name, sourcePort: f.db.env.COTTON_PG_PORT });
    expect(dto.dumpSizeBytes).toBeGreaterThan(0);

    const noBody = await call('PATCH', '/trigger', undefined);
    expect(noBody.status).toBe(202);
    await servedBackupOf(f.db.pool, ((await json(noBody)) as { requestId: string }).requestId);
  });

  it('lists backups newest first and pages the audit trail by global position', async () => {
    const backups = await call('GET', '/backups?limit=1');
    expect(backups.status).toBe(200);
    const { backups: list } = await json(backups);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ status: 'succeeded', pointerAdvanced: true });

    // The reader holds back events while an older transaction (anywhere in the cluster) is open,
    // so keep paging until every event arrived: none may be skipped or repeated.
    // Retention records its decisions just after a backup is served: wait until it has decided on
    // every backup and its run is over (its lock is free), then count.
    await waitUntil(async () => (await f.db.pool.query(RETENTION_SETTLED)).rows[0].settled, 'retention to decide');
    const again = await json(await call('GET', '/backups?limit=1'));
    expect(again.backups[0]).toMatchObject({ origin: 'ours', retention: { state: 'kept', rules: expect.arrayContaining(['last', 'latest']) } });
    const { rows } = await f.db.pool.query('SELECT count(*)::int AS n FROM cotton_backup.events');
    const positions: bigint[] = [];
    let after = '0';
    await waitUntil(async () => {
      const page = await json(await call('GET', `/events?after=${after}&limit=3`));
      expect(page.events.length).toBeLessThanOrEqual(3);
      positions.push(...page.events.map((e: { globalPosition: string }) => BigInt(e.globalPosition)));
      after = page.nextAfter;
      return positions.length >= rows[0].n;
    }, 'every event through the paged API');
    expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : 1)));
    expect(new Set(positions).size).toBe(positions.length);
    expect(positions.length).toBe(rows[0].n);
  });

  it('filters the trail by stream and type, and pages it back from the newest', async () => {
    const { rows } = await f.db.pool.query("SELECT stream_id FROM cotton_backup.events WHERE type = 'PointerAdvanced' ORDER BY global_position LIMIT 1");
    const stream = rows[0].stream_id as string;
    const own = await json(await call('GET', `/events?stream=${stream}`));
    expect(own.events.length).toBeGreaterThan(1);
    expect(own.events.every((e: { streamId: string }) => e.streamId.startsWith(stream))).toBe(true);
    const typed = await json(await call('GET', '/events?type=BackupRequested,PointerAdvanced'));
    expect(new Set(typed.events.map((e: { type: string }) => e.type))).toEqual(new Set(['BackupRequested', 'PointerAdvanced']));

    const all = (await f.db.pool.query('SELECT global_position::text AS p FROM cotton_backup.events ORDER BY global_position DESC')).rows.map((r) => r.p);
    const seen: string[] = [];
    let before: string | null = null;
    do {
      const page = await json(await call('GET', `/events?order=desc&limit=4${before ? `&before=${before}` : ''}`));
      expect(page.events.length).toBeLessThanOrEqual(4);
      seen.push(...page.events.map((e: { globalPosition: string }) => e.globalPosition));
      before = page.nextBefore;
    } while (before !== null);
    // Events appended meanwhile (retention's) are newer, so at the front: every older one comes once, in order.
    expect(seen.slice(seen.length - all.length)).toEqual(all);
  });

  it('rejects invalid requests with 400 naming the field, and audits them', async () => {
    const apiRejections = async () => (await eventsOfType(f.db.pool, 'RequestRejected')).filter((e) => e.data.source === 'api');
    // Earlier tests' 401/404 are audited too: count only what this test adds.
    const before = (await apiRejections()).length;
    const cases: Array<[string, string, string | undefined, RegExp]> = [
      ['PATCH', '/trigger', JSON.stringify({ reason: 5 }), /reason/],
      ['PATCH', '/trigger', JSON.stringify({ reason: 'x', colour: 'red' }), /colour/],
      ['PATCH', '/trigger', JSON.stringify({ requestedBy: 'y'.repeat(201) }), /requestedBy/],
      ['PATCH', '/trigger', '{not json', /JSON/],
      ['GET', '/backups?limit=0', undefined, /limit/],
      ['GET', '/events?limit=1001', undefined, /limit/],
      ['GET', '/events?after=abc', undefined, /after/],
      ['GET', '/events?after=999999999', undefined, /after/],
      ['GET', '/events?colour=red', undefined, /colour/],
      // Refused by PostgreSQL (text cannot hold NUL, UTF-8 has no lone surrogate, bigint overflows):
      // checked before the database sees them.
      ['PATCH', '/trigger', '{"reason": "a\\u0000b"}', /reason: must not contain a NUL/],
      ['PATCH', '/trigger', '{"requestedBy": "\\ud800"}', /requestedBy: must not contain a lone UTF-16 surrogate/],
      ['GET', '/events?after=9999999999999999999', undefined, /after: at most 9223372036854775807/],
      ['GET', '/backups?limit=5000', undefined, /limit: at most 1000\.$/],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await call(method, path, body);
      expect(res.status, `${method} ${path} ${body}`).toBe(400);
      expect((await json(res)).error.message).toMatch(field);
    }
    const oversized = await call('PATCH', '/trigger', JSON.stringify({ reason: 'z'.repeat(3000) }));
    expect(oversized.status).toBe(413);

    const rejected = await waitUntil(async () => {
      const rows = (await apiRejections()).slice(before);
      return rows.length >= cases.length + 1 && rows;
    }, 'API rejections to be audited');
    expect(rejected).toHaveLength(cases.length + 1);
    expect(rejected.some((e) => /colour/.test(String(e.data.reason)))).toBe(true);
    expect(rejected.some((e) => /NUL/.test(String(e.data.reason)))).toBe(true);
    expect(rejected.some((e) => /413/.test(String(e.data.reason)) && (e.data.sizeBytes as number) > 2048)).toBe(true);

    const ok = await call('PATCH', '/trigger', JSON.stringify({ reason: 'after garbage' }));
    expect(ok.status).toBe(202);
    await servedBackupOf(f.db.pool, ((await json(ok)) as { requestId: string }).requestId);
  });
});
