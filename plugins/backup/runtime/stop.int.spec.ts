import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgBoss } from 'pg-boss';
import type { Host } from '../../../src/host/host';
import { HostTokens } from '../../../src/contract/services';
import { resolve } from '../../../src/contract/tokens';
import { DRILL_QUEUE, RETENTION_QUEUE, SCHEDULE_QUEUE, VERIFY_QUEUE } from '../core/queues';
import { backupHooks } from './hooks';
import { createHostFixture, waitUntil, type HostFixture } from '../../../test/support/host-fixture';

const QUEUES = [SCHEDULE_QUEUE, RETENTION_QUEUE, VERIFY_QUEUE, DRILL_QUEUE].sort();

describe("the plugin's stop", () => {
  let f: HostFixture;
  let host: Host;
  let boss: PgBoss;
  beforeAll(async () => {
    f = await createHostFixture('rtstop');
    host = await f.startHost({ COTTON_DRILL_SCHEDULE: '0 5 * * 0' });
    boss = resolve(host.container, HostTokens.Boss);
  });
  afterAll(() => f.cleanup());

  const worked = () => [...new Set(boss.getWipData().map((w) => w.name))].filter((q) => QUEUES.includes(q)).sort();

  // The host stops pg-boss (and with it every worker) only after the plugins' stop: a worker the
  // plugin left running could take a job while the coordinator and the audit are already stopped.
  it('stops the worker of every schedule before pg-boss stops', async () => {
    await waitUntil(() => worked().length === QUEUES.length, 'every schedule worker (the backup one after its stagger)');
    expect(worked()).toEqual(QUEUES);
    await backupHooks.stop!({ container: host.pluginContainer('backup')!, signal: new AbortController().signal });
    expect(worked()).toEqual([]);
    expect(boss.getWipData().length).toBe(0);
  });
});
