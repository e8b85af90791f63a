import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCottonDatabase } from '../../../test/support/cotton-schema';
import { createTestDatabase } from '../../../test/support/database';
import { runBackup } from '../take-backup/run-backup';
import { createBackupFixture, type BackupFixture } from '../../../test/support/backup-fixture';
import { restoreBackup, TargetNotEmptyError } from './restore-backup';
import { workFilePath } from './work-dir';

/** The pid of a process that has ended. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

describe('every restore sweeps the plaintext dumps that killed restores left', () => {
  let f: BackupFixture;
  beforeAll(async () => {
    f = await createBackupFixture('rsweep');
    await seedCottonDatabase(f.db.pool);
    await runBackup(f.services.backup);
  });
  afterAll(() => f.cleanup());

  it('a CLI restore removes a dead restore’s dump first, and leaves a live one’s alone', async () => {
    const ctx = f.services.restoreContext();
    await mkdir(ctx.workDir, { recursive: true });
    const killed = `${randomUUID()}.${deadPid()}.dump`;
    const running = `${randomUUID()}.${process.ppid}.dump`;
    await writeFile(`${ctx.workDir}/${killed}`, 'plaintext of a killed CLI restore');
    await writeFile(`${ctx.workDir}/${running}`, 'plaintext of a restore still running');
    await writeFile(`${ctx.workDir}/legacy.dump`, 'named by no process');

    const target = await createTestDatabase('rsweep_t');
    try {
      const report = await restoreBackup(f.services.restoreContext({ ...f.services.backup.target, database: target.name }, target.pool), { trigger: 'cli' });
      expect(report.backupId).toMatch(/^[0-9a-f]{32}$/);
    } finally {
      await target.drop();
    }
    expect(await readdir(ctx.workDir)).toEqual([running]);
  });

  it('sweeps even when the restore is then refused (the target is not empty)', async () => {
    const ctx = f.services.restoreContext();
    const killed = `${randomUUID()}.${deadPid()}.dump`;
    await writeFile(`${ctx.workDir}/${killed}`, 'plaintext');
    await expect(restoreBackup(ctx, { trigger: 'cli' })).rejects.toBeInstanceOf(TargetNotEmptyError);
    expect(await readdir(ctx.workDir)).not.toContain(killed);
  });

  it('names the work file after this process', () => {
    expect(workFilePath('/w', 'r')).toBe(`/w/r.${process.pid}.dump`);
  });
});
