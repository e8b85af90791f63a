import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostTokens } from '../../../src/contract/services';
import { resolve } from '../../../src/contract/tokens';
import { API_PREFIX } from '../edges/http/api/context';
import { ADMIN_TOKEN, createHostFixture, eventsOfType, waitUntil, type HostFixture } from '../../../test/support/host-fixture';
import { DRILL_QUEUE } from '../core/queues';
import { captureLogs, LEVELS } from '../../../test/support/log-capture';

describe('the COTTON_DRILL_SCHEDULE pg-boss job', () => {
  let f: HostFixture;
  beforeAll(async () => {
    f = await createHostFixture('drsch');
  });
  afterAll(() => f.cleanup());

  const schedules = async () => (await f.db.pool.query('SELECT cron FROM pgboss.schedule WHERE name = $1', [DRILL_QUEUE])).rows;

  it('schedules the cron, drills the latest backup when the job runs, and removes the cron when turned off again', async () => {
    const logs = captureLogs('info');
    const host = await f.startHost({ COTTON_DRILL_SCHEDULE: '0 5 * * 0' }, { logger: logs.logger });
    expect(await schedules()).toEqual([{ cron: '0 5 * * 0' }]);
    const res = await fetch(`${host.url}${API_PREFIX}/trigger`, { method: 'PATCH', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(202);
    await waitUntil(async () => (await eventsOfType(f.db.pool, 'PointerAdvanced')).length > 0, 'a backup');
    await resolve(host.container, HostTokens.Boss).send(DRILL_QUEUE, {});
    const [passed] = await waitUntil(async () => {
      const events = await eventsOfType(f.db.pool, 'DrillPassed');
      return events.length > 0 && events;
    }, 'a scheduled drill');
    expect(passed!.data).toMatchObject({ tables: expect.any(Number) });
    const [started] = await eventsOfType(f.db.pool, 'DrillStarted');
    expect(started!.data).toMatchObject({ trigger: 'schedule' });
    // Its start and end lines.
    const end = await waitUntil(() => logs.matching(/^restore drill (finished|failed)$/)[0], 'the drill end line');
    expect(logs.matching(/^restore drill started$/)).toEqual([expect.objectContaining({ trigger: 'schedule' })]);
    expect(end).toMatchObject({ level: LEVELS.info, msg: 'restore drill finished', outcome: 'succeeded', backupId: passed!.data.backupId, durationMs: expect.any(Number) });
    await host.stop();

    await f.startHost(); // default: off
    expect(await schedules()).toEqual([]);
  });
});
