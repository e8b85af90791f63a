import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgBoss } from 'pg-boss';
import type { Host } from '../../../src/host/host';
import { HostTokens } from '../../../src/contract/services';
import { resolve } from '../../../src/contract/tokens';
import { setFailpoints } from '../core/failpoints';
import { SCHEDULE_QUEUE, VERIFY_QUEUE } from '../core/queues';
import { createHostFixture, eventsOfType, servedBackupOf, waitUntil, type HostFixture } from '../../../test/support/host-fixture';

describe('the pg-boss backup schedule', () => {
  let f: HostFixture;
  let host: Host;
  let boss: PgBoss;
  beforeAll(async () => {
    f = await createHostFixture('trsched');
    host = await f.startHost();
    boss = resolve(host.container, HostTokens.Boss);
  });
  afterAll(async () => {
    setFailpoints(undefined);
    await f.cleanup();
  });

  it("schedules the configured cron in Cotton's server time zone", async () => {
    const [schedule] = await boss.getSchedules(SCHEDULE_QUEUE);
    expect(schedule).toMatchObject({ cron: '0 3 * * *', timezone: 'Europe/Berlin' });
    const queue = await boss.getQueue(SCHEDULE_QUEUE);
    expect(queue).toMatchObject({ retryLimit: 4, retryBackoff: true });
  });

  it("schedules the verification cron in the same zone, Cotton's (it fell back to UTC)", async () => {
    const [schedule] = await boss.getSchedules(VERIFY_QUEUE);
    expect(schedule).toMatchObject({ cron: '30 4 * * *', timezone: 'Europe/Berlin' });
  });

  it('a job on the scheduled queue records a request with the job id and completes once a backup served it', async () => {
    const jobId = (await boss.send(SCHEDULE_QUEUE, { source: 'schedule' }))!;
    const backupId = await servedBackupOf(f.db.pool, jobId);
    const requested = (await eventsOfType(f.db.pool, 'BackupRequested')).filter((e) => e.data.requestId === jobId);
    expect(requested).toHaveLength(1);
    expect(requested[0]!.data.source).toBe('schedule');
    const job = await waitUntil(async () => {
      const [j] = await boss.findJobs(SCHEDULE_QUEUE, { id: jobId });
      return j?.state === 'completed' && j;
    }, 'the job to complete');
    expect(job.state).toBe('completed');
    expect(backupId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('a failed backup fails the job, so pg-boss retries it with the same request', async () => {
    setFailpoints('backup.afterStarted=throw');
    const jobId = (await boss.send(SCHEDULE_QUEUE, { source: 'schedule' }))!;
    const job = await waitUntil(async () => {
      const [j] = await boss.findJobs(SCHEDULE_QUEUE, { id: jobId });
      return j?.state === 'retry' && j;
    }, 'the job to be retried');
    expect(job.id).toBe(jobId);
    const failed = await f.db.pool.query(
      `SELECT status FROM cotton_backup.checkpoint_requests WHERE request_id = $1`,
      [jobId],
    );
    expect(failed.rows[0]).toMatchObject({ status: 'retrying' });
    setFailpoints(undefined);
  });
});

describe('schedule time zone from configuration', () => {
  it('COTTON_BACKUP_TIMEZONE wins; an unknown zone stops the start with a message naming the variable', async () => {
    const f = await createHostFixture('trtz', false);
    try {
      const host = await f.startHost({ COTTON_BACKUP_TIMEZONE: 'America/New_York', COTTON_BACKUP_SCHEDULE: '30 2 * * 1' });
      const [schedule] = await resolve(host.container, HostTokens.Boss).getSchedules(SCHEDULE_QUEUE);
      expect(schedule).toMatchObject({ cron: '30 2 * * 1', timezone: 'America/New_York' });
      const [verify] = await resolve(host.container, HostTokens.Boss).getSchedules(VERIFY_QUEUE);
      expect(verify).toMatchObject({ timezone: 'America/New_York' });
      await host.stop();
      await expect(f.startHost({ COTTON_BACKUP_TIMEZONE: 'Mars/Olympus' })).rejects.toThrow(/COTTON_BACKUP_TIMEZONE/);
    } finally {
      await f.cleanup();
    }
  });
});
