import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../../../src/contract/exit-codes';
import { runCliCaptured } from '../../../../test/support/cli';
import { cliEnv, createHostFixture, type HostFixture } from '../../../../test/support/host-fixture';

// What every command shares (issue 23): one exit code for an unknown --backup id, camelCase JSON
// with real numbers, and errors as JSON on stderr under --json.
describe('the backup commands, across commands', () => {
  let f: HostFixture;
  let env: NodeJS.ProcessEnv;
  const run = (...args: string[]) => runCliCaptured(env, ...args);
  const unknownId = 'ab'.repeat(16);

  beforeAll(async () => {
    f = await createHostFixture('habits');
    env = cliEnv(f);
    const backup = await run('backup', '--json');
    expect(backup.code, backup.stderr).toBe(0);
  });
  afterAll(() => f.cleanup());

  it.each([
    ['restore', '--backup', unknownId, '--target-database', 'habits_never_created'],
    ['verify', '--backup', unknownId],
    ['drill', '--backup', unknownId],
    ['audit', '--backup', unknownId],
  ])('%s with an unknown backup id exits 4 (not found), as every command does', async (...args) => {
    const result = await run(...args);
    expect(result.code, result.stderr).toBe(EXIT_CODES.NOT_FOUND.exitCode);
    expect(result.stderr).toContain(unknownId);
  });

  it('prints an unknown backup id under --json as one JSON error line on stderr, stdout empty', async () => {
    const result = await run('restore', '--backup', unknownId, '--target-database', 'habits_never_created', '--json');
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({ error: { code: 'UNKNOWN_BACKUP', message: expect.stringContaining(unknownId), exitCode: 4 } });
  });

  it('list --json is camelCase with numbers as numbers', async () => {
    const result = await run('list', '--json');
    expect(result.code, result.stderr).toBe(0);
    const [row] = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(Object.keys(row!).filter((k) => k.includes('_'))).toEqual([]);
    expect(row).toMatchObject({ backupId: expect.stringMatching(/^[0-9a-f]{32}$/), status: 'succeeded' });
    expect(typeof row!.dumpBytes).toBe('number');
    expect(typeof row!.newChunks).toBe('number');
    expect(row!.dumpBytes as number).toBeGreaterThan(0);
  });

  it('draws no progress on stderr when it is not a terminal (here a captured stream)', async () => {
    const verify = await run('verify');
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stderr).toBe('');
  });
});
