import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../../../src/host/host';
import { ADMIN_TOKEN, createHostFixture, eventsOfType, servedBackupOf, waitUntil, type HostFixture } from '../../../test/support/host-fixture';
import { captureLogs, LEVELS, type CapturedLogs } from '../../../test/support/log-capture';
import { API_PREFIX } from '../edges/http/api/context';

describe('what a host logs of the runs it makes', () => {
  let f: HostFixture;
  let host: Host;
  let logs: CapturedLogs;
  const call = (method: string, path: string) => fetch(`${host.url}${API_PREFIX}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

  beforeAll(async () => {
    f = await createHostFixture('trrunlog');
    // A file where the copy target's folder would be: every write to it fails, whoever runs the spec.
    await writeFile(join(f.root, 'not-a-folder'), 'x');
    logs = captureLogs('info');
    host = await f.startHost(
      { COTTON_BACKUP_COPIES: `offsite=file://${join(f.root, 'not-a-folder', 'repo')}`, COTTON_BACKUP_COPY_ATTEMPTS: '3' },
      { logger: logs.logger },
    );
  });
  afterAll(() => f.cleanup());

  it('a requested backup: a start and an end line with bytes, duration and outcome; a copy that finally fails: one error line', async () => {
    const res = await call('PATCH', '/trigger');
    expect(res.status).toBe(202);
    const backupId = await servedBackupOf(f.db.pool, ((await res.json()) as { requestId: string }).requestId);

    // Served is visible as the pointer's event commits, a moment before the end line is written.
    const end = await waitUntil(() => logs.matching(/^backup (finished|failed)$/)[0], 'the backup end line');
    expect(logs.matching(/^backup started$/)).toEqual([expect.objectContaining({ level: LEVELS.info, backupId, requests: 1 })]);
    expect(end).toMatchObject({ level: LEVELS.info, msg: 'backup finished', backupId, outcome: 'succeeded' });
    expect(end.bytes).toBeGreaterThan(0);
    expect(end.durationMs).toEqual(expect.any(Number));

    // Three attempts (2 s, then 4 s apart), then CopyFailed.
    await waitUntil(async () => (await eventsOfType(f.db.pool, 'CopyFailed')).length > 0, 'the copy to fail', 30_000);
    const copyLines = logs.lines().filter((l) => l.target === 'offsite');
    expect(copyLines.filter((l) => l.level >= LEVELS.warn)).toEqual([
      expect.objectContaining({ level: LEVELS.error, msg: 'copy failed', backupId, outcome: 'failed', attempts: 3, err: expect.stringMatching(/ENOTDIR|not a folder|a file stands/) }),
    ]);
    expect(copyLines[0]).toMatchObject({ msg: 'copy started', backupId });
    expect(copyLines.filter((l) => l.msg === 'copy attempt failed; trying again').map((l) => l.attempt)).toEqual([1, 2]);
  });

  it('a verification requested over the API: a start and an end line', async () => {
    expect((await call('POST', '/verify')).status).toBe(202);
    const end = await waitUntil(() => logs.matching(/^verification (finished|failed)$/)[0], 'the verification to end');
    expect(logs.matching(/^verification started$/)).toEqual([expect.objectContaining({ trigger: 'api' })]);
    expect(end).toMatchObject({ level: LEVELS.info, msg: 'verification finished', trigger: 'api', outcome: 'succeeded', durationMs: expect.any(Number) });
    expect(end.bytes).toBeGreaterThan(0);
  });
});
