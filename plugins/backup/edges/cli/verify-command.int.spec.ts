import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../../../src/contract/exit-codes';
import { objectPath } from '../../../../src/storage/filesystem/filesystem-store';
import { runCliCaptured } from '../../../../test/support/cli';
import { cliEnv, createHostFixture, type HostFixture } from '../../../../test/support/host-fixture';

interface Taken { backupId: string; manifestKey: string }

// restic's `check --read-data`: every kept backup read end to end, a line each, the exit code the worst.
describe('cotton-backup verify --all', () => {
  let f: HostFixture;
  let env: NodeJS.ProcessEnv;
  const run = (...args: string[]) => runCliCaptured(env, ...args);
  const taken: Taken[] = [];

  beforeAll(async () => {
    f = await createHostFixture('verifyall');
    env = cliEnv(f);
    for (let i = 0; i < 4; i++) taken.push(JSON.parse((await run('backup', '--json')).stdout));
    // The oldest expired: --all leaves it out.
    const forgot = await run('forget', taken[0]!.backupId);
    expect(forgot.code, forgot.stderr).toBe(0);
  });
  afterAll(() => f.cleanup());

  it('verifies every kept backup, a line each, and exits 0 when all are whole', async () => {
    const result = await run('verify', '--all');
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    for (const t of taken.slice(1)) expect(lines.some((l) => l.startsWith(`backup ${t.backupId} `) && l.includes(': OK,'))).toBe(true);
    expect(result.stdout).not.toContain(taken[0]!.backupId);
    expect(lines.at(-1)).toBe('3 backup(s) verified: 3 OK, 0 with problems');
  });

  it('exits 5 when any kept backup is damaged, naming it, and still verifies the others', async () => {
    // A manifest is the one object no other backup shares: overwrite the middle one's.
    await writeFile(objectPath(join(f.root, 'files'), taken[2]!.manifestKey), Buffer.from('not a container'));
    const result = await run('verify', '--all', '--json');
    expect(result.code).toBe(EXIT_CODES.VERIFICATION_FAILED.exitCode);
    const report = JSON.parse(result.stdout) as { ok: boolean; verified: number; failed: number; backups: { backupId: string; ok: boolean }[] };
    expect(report).toMatchObject({ ok: false, verified: 3, failed: 1 });
    expect(report.backups.map((b) => [b.backupId, b.ok])).toEqual([[taken[3]!.backupId, true], [taken[2]!.backupId, false], [taken[1]!.backupId, true]]);
    expect(JSON.parse(result.stderr).error.message).toContain(taken[2]!.backupId);
  });

  it('refuses --all with --backup', async () => {
    const result = await run('verify', '--all', '--backup', taken[1]!.backupId);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--all and --backup exclude each other');
  });
});
