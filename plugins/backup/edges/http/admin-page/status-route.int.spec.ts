import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../../../../../src/host/host';
import { API_PREFIX } from '../api/context';
import { ADMIN_TOKEN, createHostFixture, eventsOfType, servedBackupOf, waitUntil, type HostFixture } from '../../../../../test/support/host-fixture';

describe('the admin page’s routes: GET …/status and POST …/verify', () => {
  let f: HostFixture;
  let host: Host;
  const call = (method: string, path: string, token = ADMIN_TOKEN) =>
    fetch(`${host.url}${API_PREFIX}${path}`, { method, headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    f = await createHostFixture('admroutes');
    host = await f.startHost();
  });
  afterAll(() => f.cleanup());

  it('are admin routes', async () => {
    expect((await call('GET', '/status', 'wrong-token-wrong-token')).status).toBe(401);
    expect((await call('POST', '/verify', 'wrong-token-wrong-token')).status).toBe(401);
  });

  it('the events route refuses a bad filter or pager with 400 naming the field', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/events?type=PointerAdvanced,NoSuchEvent', /type: event types of the vocabulary/],
      ['/events?stream=copy-%27;drop', /stream: a stream id/],
      ['/events?before=5', /before: only with order=desc/],
      ['/events?order=desc&after=5', /after: only with order=asc/],
      ['/events?order=sideways', /order/],
    ];
    for (const [path, field] of cases) {
      const res = await call('GET', path);
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(field);
    }
  });

  it('before any backup: nothing to show, nothing to verify (404, no verification recorded)', async () => {
    const status = (await (await call('GET', '/status')).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ latest: null, running: false, verification: null, drill: null, timeline: [] });
    expect(status.schedule).toMatchObject({ cron: '0 3 * * *', nextRunAt: expect.any(String) });
    expect((await call('POST', '/verify')).status).toBe(404);
    expect(await eventsOfType(f.db.pool, 'VerificationFailed')).toEqual([]);
  });

  it('after a backup: shows it, and a verification requested over the API is recorded', async () => {
    const res = await call('PATCH', '/trigger');
    const backupId = await servedBackupOf(f.db.pool, ((await res.json()) as { requestId: string }).requestId);
    const unverified = (await (await call('GET', '/status')).json()) as any;
    expect(unverified.latest).toMatchObject({ backupId, verified: null });
    expect(unverified.alerts.map((a: { alert: string }) => a.alert)).toContain('CottonBackupLatestUnverified');
    const verify = await call('POST', '/verify');
    expect(verify.status).toBe(202);
    const [verified] = await waitUntil(async () => {
      const events = await eventsOfType(f.db.pool, 'Verified');
      return events.length > 0 && events;
    }, 'the verification');
    expect(verified!.data).toMatchObject({ backupId });
    const status = (await (await call('GET', '/status')).json()) as any;
    expect(status.latest).toMatchObject({ backupId, dumpSizeBytes: expect.any(Number) });
    expect(status.verification).toMatchObject({ ok: true, backupId });
    expect(status.timeline).toEqual([expect.objectContaining({ backupId, status: 'succeeded' })]);
    expect(status.latest.verified).toBe(true);
    expect(status.alerts).toEqual([]);
    expect(status.copies).toEqual([]);
    expect(status.checks[0]).toMatchObject({ kind: 'verification', ok: true, backupId, target: null });
    await waitUntil(async () => ((await (await call('GET', '/status')).json()) as any).kept[0]?.retention === 'kept', 'retention to keep it');
    const kept = ((await (await call('GET', '/status?history=1&timeline=1')).json()) as any).kept;
    expect(kept).toEqual([expect.objectContaining({ backupId, keptBy: expect.arrayContaining(['last']), heldOn: ['primary'], restore: `cotton-backup restore --backup ${backupId}` })]);
    for (const [path, field] of [['/status?timeline=0', /timeline: at least 1/], ['/status?history=x', /history/], ['/status?colour=red', /colour/]] as const) {
      const bad = await call('GET', path);
      expect(bad.status, path).toBe(400);
      expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(field);
    }
    expect(status.events[0].globalPosition > status.events.at(-1).globalPosition || status.events.length === 1).toBe(true);
  });
});
