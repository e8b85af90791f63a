import { randomBytes } from 'node:crypto';
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../../../../src/host/host';
import { runCliCaptured } from '../../../../test/support/cli';
import { ADMIN_TOKEN, cliEnv, createHostFixture, type HostFixture } from '../../../../test/support/host-fixture';
import { CHECK_EXIT_CODES, type CheckLine } from '../../checks/check-line';
import { IDENTITY_MARKER } from '../../copies/prove-target-identity';
import { API_PREFIX } from '../http/api/context';
import { objectPath } from '../../../../src/storage/filesystem/filesystem-store';

describe('cotton-backup check and info, and GET …/check', () => {
  let f: HostFixture;
  let host: Host;
  let env: NodeJS.ProcessEnv;
  const run = (...args: string[]) => runCliCaptured(env, ...args);
  const lineOf = (lines: CheckLine[], check: string) => lines.find((l) => l.check === check);
  const checkJson = async (runEnv = env) => {
    const result = await runCliCaptured(runEnv, 'check', '--json');
    return { code: result.code, lines: (JSON.parse(result.stdout) as { lines: CheckLine[] }).lines, stderr: result.stderr };
  };

  beforeAll(async () => {
    f = await createHostFixture('trchk');
    const copies = { COTTON_BACKUP_COPIES: `offsite=file://${join(f.root, 'offsite')}` };
    host = await f.startHost(copies);
    env = { ...cliEnv(f), ...copies };
  });
  afterAll(() => f.cleanup());

  it('before any backup: the newest-backup line fails and names the command, exit 11', async () => {
    const { code, lines } = await checkJson();
    expect(code).toBe(CHECK_EXIT_CODES.fail);
    expect(lineOf(lines, 'newest backup')).toMatchObject({ status: 'fail', fix: expect.stringContaining('cotton-backup backup') });
    expect(lineOf(lines, 'storage')?.status).toBe('ok');
    expect(lineOf(lines, 'database')?.status).toBe('ok');
  });

  it('a backup not verified yet is a warning (exit 10) whose fix is `cotton-backup verify`', async () => {
    expect((await run('backup')).code).toBe(0);
    const { code, lines } = await checkJson();
    expect(lineOf(lines, 'newest backup')).toMatchObject({ status: 'warn', fix: expect.stringContaining('cotton-backup verify') });
    expect(lines.filter((l) => l.status === 'fail')).toEqual([]);
    expect(code).toBe(CHECK_EXIT_CODES.warn);
  });

  it('a healthy setup answers every line ok, exit 0, on one screen', async () => {
    expect((await run('verify')).code).toBe(0);
    const { code, lines, stderr } = await checkJson();
    expect(lines.filter((l) => l.status !== 'ok'), stderr).toEqual([]);
    expect(code).toBe(0);
    expect(lines.map((l) => l.check)).toEqual(expect.arrayContaining(['configuration', 'database', 'database rights', 'storage', 'copy target offsite', 'backup schedule', 'newest backup', 'newest copy on offsite', 'cotton gc']));
    const text = await run('check');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^ok +copy target offsite +reachable, holds its copy marker/m);
    expect(text.stdout).toMatch(/all ok\n$/);
    const next = /^"0 3 \* \* \*" \(Europe\/Berlin\), next run (\S+)$/.exec(lineOf(lines, 'backup schedule')?.detail ?? '')?.[1];
    // 03:00 in Cotton's zone (the fixture's server_settings): 02:00 or 01:00 UTC, within a day.
    expect(new Date(next!).getUTCHours()).toBeOneOf([1, 2]);
    expect(new Date(next!).getTime() - Date.now()).toBeLessThanOrEqual(86_400_000);
    expect((await run('check', '--help')).stdout).toMatch(/Exit code: 0 all ok, 10 a warning at worst, 11 a failure/);
  });

  it('the route answers the same lines with the admin token, 401 without', async () => {
    const res = await fetch(`${host.url}${API_PREFIX}/check`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; lines: CheckLine[] };
    const cli = await checkJson();
    expect(body.status).toBe('ok');
    expect(body.lines.map((l) => [l.check, l.status])).toEqual(cli.lines.map((l) => [l.check, l.status]));
    expect((await fetch(`${host.url}${API_PREFIX}/check`)).status).toBe(401);
  });

  it('info lists the backup on the primary and the copy target, with its rule and restore command', async () => {
    const result = await run('info', '--json');
    expect(result.code, result.stderr).toBe(0);
    const [backup] = (JSON.parse(result.stdout) as { backups: any[] }).backups;
    expect(backup).toMatchObject({ heldOn: ['primary', 'offsite'], retention: 'kept', restore: `cotton-backup restore --backup ${backup.backupId}` });
    expect(backup.keptBy.length).toBeGreaterThan(0);
    expect(backup.verifiedAt).not.toBeNull();
    const text = await run('info');
    expect(text.stdout).toContain(`held on   primary, offsite`);
    expect(text.stdout).toContain(`restore   cotton-backup restore --backup ${backup.backupId}`);
  });

  it('a target holding objects but no marker fails and names `copies --adopt`, exit 11', async () => {
    const stray = join(f.root, 'stray');
    await cp(join(f.root, 'offsite'), stray, { recursive: true });
    await rm(join(stray, IDENTITY_MARKER));
    const { code, lines } = await checkJson({ ...env, COTTON_BACKUP_COPIES: `${env.COTTON_BACKUP_COPIES},stray=file://${stray}` });
    expect(lineOf(lines, 'copy target stray')).toMatchObject({ status: 'fail', fix: expect.stringContaining('cotton-backup copies --adopt stray') });
    expect(lineOf(lines, 'copy target offsite')?.status).toBe('ok');
    expect(code).toBe(CHECK_EXIT_CODES.fail);
  });

  it('a missing storage folder fails naming COTTON_STORAGE_PATH; what needs it is not checked', async () => {
    const { code, lines } = await checkJson({ ...env, COTTON_STORAGE_PATH: join(f.root, 'no-such-folder') });
    expect(lineOf(lines, 'storage')).toMatchObject({ status: 'fail', fix: expect.stringContaining('COTTON_STORAGE_PATH') });
    expect(lineOf(lines, 'cotton gc')?.detail).toMatch(/not checked: the storage line is not ok/);
    expect(lineOf(lines, 'copy targets')?.detail).toMatch(/not checked: the storage line is not ok/);
    expect(code).toBe(CHECK_EXIT_CODES.fail);
  });
  it('an unreachable database fails naming the variables; what reads it (the storage too: Cotton\'s settings may name a bucket) is not checked', async () => {
    const { code, lines } = await checkJson({ ...env, COTTON_PG_PORT: '1' });
    expect(lineOf(lines, 'database')).toMatchObject({ status: 'fail', detail: expect.stringContaining('unreachable'), fix: expect.stringContaining('COTTON_PG_PORT') });
    for (const check of ['storage', 'schedules', 'freshness', 'copy targets', 'cotton gc']) expect(lineOf(lines, check)?.detail).toMatch(/not checked: the database/);
    expect(lineOf(lines, 'configuration')?.status).toBe('ok');
    expect(code).toBe(CHECK_EXIT_CODES.fail);
  });

  it('a role of COTTON_BACKUP_NOTIFY_ROLES without EXECUTE on request_checkpoint() fails with the GRANT to run', async () => {
    const role = `trchk_caller_${randomBytes(4).toString('hex')}`;
    await f.db.pool.query(`CREATE ROLE ${role}`);
    try {
      const withRole = { ...env, COTTON_BACKUP_NOTIFY_ROLES: role };
      const refused = await checkJson(withRole);
      expect(lineOf(refused.lines, 'database rights')).toMatchObject({
        status: 'fail',
        fix: `GRANT USAGE ON SCHEMA cotton_backup TO ${role}; GRANT EXECUTE ON FUNCTION cotton_backup.request_checkpoint(text) TO ${role};`,
      });
      expect(refused.code).toBe(CHECK_EXIT_CODES.fail);
      await f.db.pool.query(lineOf(refused.lines, 'database rights')!.fix!);
      expect(lineOf((await checkJson(withRole)).lines, 'database rights')?.status).toBe('ok');
    } finally {
      await f.db.pool.query(`REVOKE ALL ON FUNCTION cotton_backup.request_checkpoint(text) FROM ${role}`);
      await f.db.pool.query(`REVOKE ALL ON SCHEMA cotton_backup FROM ${role}`);
      await f.db.pool.query(`DROP ROLE ${role}`);
    }
  });

  it("chunks rows of a kept backup that Cotton's GC has scheduled warn until retention pins them", async () => {
    const keys = (await run('storage', 'ls')).stdout.split('\n').filter((k) => /^[0-9a-f]{64}$/.test(k));
    // What Cotton's consistency job does for objects it finds without a row (COTTON.md §7).
    await f.db.pool.query(
      `INSERT INTO public.chunks (hash, size_bytes, stored_size_bytes, gc_scheduled_after)
       SELECT decode(k, 'hex'), 0, 0, now() + interval '1 day' FROM unnest($1::text[]) k ON CONFLICT (hash) DO NOTHING`,
      [keys],
    );
    const unpinned = await checkJson();
    expect(lineOf(unpinned.lines, 'cotton gc')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/^\d+ chunks rows of kept backups are not pinned/) });
    expect(unpinned.code).toBe(CHECK_EXIT_CODES.warn);
    expect((await run('forget')).code).toBe(0);
    const pinned = await checkJson();
    expect(lineOf(pinned.lines, 'cotton gc')).toMatchObject({ status: 'ok', detail: expect.stringContaining('is pinned off it') });
    expect(pinned.code).toBe(0);
  });

  // Last: it takes the manifest out of the primary storage.
  it('info names --from <target> for a backup only a copy target holds', async () => {
    const before = (JSON.parse((await run('info', '--json')).stdout) as { backups: any[] }).backups[0];
    const { rows } = await f.db.pool.query<{ manifest_key: string }>('SELECT manifest_key FROM cotton_backup.backup_history WHERE backup_id = $1', [before.backupId]);
    await rm(objectPath(join(f.root, 'files'), rows[0]!.manifest_key));
    const [after] = (JSON.parse((await run('info', '--json')).stdout) as { backups: any[] }).backups;
    expect(after).toMatchObject({ backupId: before.backupId, heldOn: ['offsite'], restore: `cotton-backup restore --backup ${before.backupId} --from offsite` });
  });
});
