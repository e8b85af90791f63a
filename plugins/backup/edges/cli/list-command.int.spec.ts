import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../../../test/support/cli';
import { cliEnv, createHostFixture, type HostFixture } from '../../../../test/support/host-fixture';

// `list` answers what `info` does, a line a backup: how long, how big, verified / drilled / copied.
describe('cotton-backup list', () => {
  let f: HostFixture;
  let env: NodeJS.ProcessEnv;
  const run = (...args: string[]) => runCliCaptured(env, ...args);
  let older: string;
  let newer: string;

  beforeAll(async () => {
    f = await createHostFixture('listcmd');
    env = { ...cliEnv(f), COTTON_BACKUP_COPIES: `offsite=file://${join(f.root, 'offsite')}` };
    older = JSON.parse((await run('backup', '--json')).stdout).backupId;
    newer = JSON.parse((await run('backup', '--json')).stdout).backupId;
    const verified = await run('verify', '--backup', older);
    expect(verified.code, verified.stderr).toBe(0);
  });
  afterAll(() => f.cleanup());

  it('prints a header, then each backup with duration, dump and stored size and its V D C marks', async () => {
    const result = await run('list');
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +STATUS +STARTED \(UTC\) +DURATION +DUMP +STORED +V D C +CHUNKS/);
    const line = (id: string) => lines.find((l) => l.startsWith(id))!;
    // Both copied after their backup; only the older verified by id.
    expect(line(older)).toMatch(/succeeded +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +\d+\.\d s +\d+\.\d MiB +\d+\.\d MiB +V - C +\d+\/\d+/);
    expect(line(newer)).toMatch(/ - - C /);
    expect(lines.at(-1)).toMatch(/^V verified, D restore-drilled, C copied/);
  });

  it('--json carries the same facts, camelCase, numbers as numbers', async () => {
    const result = await run('list', '--json');
    expect(result.code, result.stderr).toBe(0);
    const rows = JSON.parse(result.stdout) as Record<string, unknown>[];
    const row = rows.find((r) => r.backupId === older)!;
    expect(row).toMatchObject({ verifiedAt: expect.stringMatching(/Z$/), drilledAt: null, copiedTo: ['offsite'] });
    expect(typeof row.durationMs).toBe('number');
    expect(typeof row.storedBytesWritten).toBe('number');
    expect(row.storedBytesWritten as number).toBeGreaterThan(0);
    expect(rows.find((r) => r.backupId === newer)).toMatchObject({ verifiedAt: null, copiedTo: ['offsite'] });
  });
});
