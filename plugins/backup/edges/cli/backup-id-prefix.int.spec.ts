import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../../../src/contract/exit-codes';
import { deriveMasterEncryptionKey } from '../../../../src/keys/keys';
import { createStorage } from '../../../../src/storage/open/create-storage';
import { runCliCaptured } from '../../../../test/support/cli';
import { cliEnv, createHostFixture, type HostFixture } from '../../../../test/support/host-fixture';
import { createJournal } from '../../projections/journal';
import { recordInBackupIndex } from '../../repository/backup-index';
import { readManifest, writeManifest } from '../../repository/manifest-store';

// restic's short ids: every command taking a backup id takes a unique prefix of it, one resolver for all.
describe('backup id prefixes', () => {
  let f: HostFixture;
  let env: NodeJS.ProcessEnv;
  const run = (...args: string[]) => runCliCaptured(env, ...args);
  let a: { backupId: string; manifestKey: string };
  let b: string;
  let unknownPrefix: string;

  beforeAll(async () => {
    f = await createHostFixture('prefix');
    env = cliEnv(f);
    a = JSON.parse((await run('backup', '--json')).stdout);
    b = JSON.parse((await run('backup', '--json')).stdout).backupId;
    unknownPrefix = ['0000', '1111', '2222'].find((p) => !a.backupId.startsWith(p) && !b.startsWith(p))!;
  });
  afterAll(() => f.cleanup());

  it('verify, audit and info take a unique prefix and answer for the full id', async () => {
    const verify = await run('verify', '--backup', a.backupId.slice(0, 6), '--json');
    expect(verify.code, verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, backupId: a.backupId });
    const audit = await run('audit', '--backup', a.backupId.slice(0, 5).toUpperCase(), '--json');
    expect(audit.code, audit.stderr).toBe(0);
    expect((JSON.parse(audit.stdout) as { streamId: string }[]).some((e) => e.streamId === a.backupId)).toBe(true);
    const info = await run('info', '--backup', b.slice(0, 4), '--json');
    expect(info.code, info.stderr).toBe(0);
    expect((JSON.parse(info.stdout) as { backups: { backupId: string }[] }).backups.map((x) => x.backupId)).toEqual([b]);
  });

  it('restore and drill take a unique prefix', async () => {
    const restore = await run('restore', '--backup', a.backupId.slice(0, 8), '--target-database', `${f.db.name}_prefix`, '--json');
    expect(restore.code, restore.stderr).toBe(0);
    expect(JSON.parse(restore.stdout)).toMatchObject({ status: 'restored', backupId: a.backupId });
    await f.db.pool.query(`DROP DATABASE "${f.db.name}_prefix" WITH (FORCE)`);
    const drill = await run('drill', '--backup', b.slice(0, 7), '--json');
    expect(drill.code, drill.stderr).toBe(0);
    expect(JSON.parse(drill.stdout)).toMatchObject({ backupId: b, passed: true });
  });

  it.each([['verify'], ['restore'], ['drill'], ['audit'], ['info']])('%s with a prefix no backup has exits 4 (not found)', async (command) => {
    const result = await run(command, '--backup', unknownPrefix, '--json');
    expect(result.code, result.stderr).toBe(EXIT_CODES.NOT_FOUND.exitCode);
    expect(JSON.parse(result.stderr).error).toMatchObject({ code: 'UNKNOWN_BACKUP', message: expect.stringContaining(unknownPrefix) });
  });

  it('refuses a prefix shorter than 4 characters, or not hex, saying what a backup id is', async () => {
    for (const given of ['abc', 'xyzw1234']) {
      const result = await run('verify', '--backup', given);
      expect(result.code).toBe(EXIT_CODES.FAILED.exitCode);
      expect(result.stderr).toContain(`--backup must be a backup id (32 hex characters) or a prefix of at least 4 of them, got "${given}"`);
    }
  });

  it('refuses an ambiguous prefix, naming every backup it starts, in storage and in the catalogue', async () => {
    // A second backup whose id shares a's first 8 characters: a's manifest under another id, in the index and the catalogue.
    const mek = deriveMasterEncryptionKey(env.COTTON_MASTER_KEY!);
    const storage = createStorage({ root: join(f.root, 'files'), masterEncryptionKey: mek });
    const twinId = a.backupId.slice(0, 8) + randomBytes(12).toString('hex');
    const manifest = await readManifest(storage, a.manifestKey);
    const twinKey = await writeManifest(storage, { ...manifest, backupId: twinId });
    await recordInBackupIndex(storage, mek, { manifestKey: twinKey, backupId: twinId, createdAtUtc: manifest.createdAtUtc });
    await createJournal(f.db.pool).append(twinId, [{
      type: 'BackupDiscovered',
      data: { backupId: twinId, manifestKey: twinKey, createdAtUtc: manifest.createdAtUtc, sourceDatabase: f.db.name, dumpSizeBytes: manifest.dumpSizeBytes, chunkCount: manifest.chunkCount, producer: 'cotton-backup' },
    }]);
    const prefix = a.backupId.slice(0, 8);
    for (const command of ['verify', 'restore', 'audit', 'info']) {
      const result = await run(command, '--backup', prefix, '--json');
      expect(result.code, `${command}: ${result.stderr}`).toBe(EXIT_CODES.FAILED.exitCode);
      const { error } = JSON.parse(result.stderr);
      expect(error.code).toBe('AMBIGUOUS_BACKUP_ID');
      expect(error.message).toContain(a.backupId);
      expect(error.message).toContain(twinId);
    }
    // One more character than they share picks one again.
    const longer = await run('verify', '--backup', a.backupId.slice(0, a.backupId[8] === twinId[8] ? 32 : 9), '--json');
    expect(longer.code, longer.stderr).toBe(0);
  });
});
