import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../../../../src/host/host';
import { runCliCaptured } from '../../../../test/support/cli';
import { cliEnv, createHostFixture, servedBackupOf, type HostFixture } from '../../../../test/support/host-fixture';

describe('cotton-backup checkpoint', () => {
  let f: HostFixture;
  let host: Host;
  let env: NodeJS.ProcessEnv;
  const run = (...args: string[]) => runCliCaptured(env, ...args);

  beforeAll(async () => {
    f = await createHostFixture('trcli');
    host = await f.startHost();
    env = cliEnv(f);
  });
  afterAll(() => f.cleanup());

  it('--wait --json follows the request to the backup that served it', async () => {
    const result = await run('checkpoint', '--reason', 'before migration', '--wait', '--json');
    expect(result.code, result.stderr).toBe(0);
    const state = JSON.parse(result.stdout);
    expect(state).toMatchObject({ status: 'served', backupId: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(await servedBackupOf(f.db.pool, state.requestId)).toBe(state.backupId);
    const view = await f.db.pool.query('SELECT source, reason FROM cotton_backup.checkpoint_requests WHERE request_id = $1', [state.requestId]);
    expect(view.rows[0]).toEqual({ source: 'sql', reason: 'before migration' });
  });

  it('without --wait prints the request id; the host serves it', async () => {
    const result = await run('checkpoint', '--reason', 'fire and forget');
    expect(result.code).toBe(0);
    const id = /checkpoint requested: (\S+)/.exec(result.stdout)![1]!;
    await servedBackupOf(f.db.pool, id);
  });

  it('refuses operator errors with one line and a non-zero exit', async () => {
    const long = await run('checkpoint', '--reason', 'x'.repeat(501));
    expect(long.code).toBe(1);
    expect(long.stderr).toMatch(/--reason must be at most 500/);
    const missing = await run('checkpoint');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/--reason/);
  });

  it('--timeout gives up (exit 2) when no host serves the request, which stays recorded', async () => {
    await host.stop();
    const result = await run('checkpoint', '--reason', 'nobody home', '--wait', '--timeout', '1');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not served within 1 s/);
    const { rows } = await f.db.pool.query(`SELECT status FROM cotton_backup.checkpoint_requests WHERE reason = 'nobody home'`);
    expect(rows).toEqual([{ status: 'pending' }]);
  });
});
