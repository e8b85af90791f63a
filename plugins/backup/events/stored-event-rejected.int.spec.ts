import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/program';
import type { Host } from '../../../src/host/host';
import { API_PREFIX } from '../edges/http/api/context';
import { ADMIN_TOKEN, cliEnv, createHostFixture, eventsOfType, servedBackupOf, waitUntil, type HostFixture } from '../../../test/support/host-fixture';
import { readStream } from './read-stream';

/**
 * Issue 27 point 9: a role with INSERT on events (or the owner) can store an event whose data does
 * not match its type. Every reader validates, so one such row made `audit` and `projections rebuild`
 * exit 1 and GET …/events answer 500, for good. Now readers skip it and record StoredEventRejected
 * once per stored event, however often it is read.
 */
describe('an invalid event in the store', () => {
  let f: HostFixture;
  let host: Host;
  const forged: string[] = [];
  const cli = async (...args: string[]) => {
    let stdout = '';
    let stderr = '';
    const out = new Writable({ write: (c, _e, done) => ((stdout += String(c)), done()) });
    const err = new Writable({ write: (c, _e, done) => ((stderr += String(c)), done()) });
    const code = await runCli(['node', 'cotton-backup', ...args], { env: cliEnv(f), stdout: out, stderr: err });
    return { code, stdout, stderr };
  };
  const api = (path: string) => fetch(`${host.url}${API_PREFIX}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  const rejections = async () => (await eventsOfType(f.db.pool, 'StoredEventRejected')).map((e) => e.data);

  beforeAll(async () => {
    f = await createHostFixture('evrej');
    host = await f.startHost();
    // Written the way a role holding INSERT can: straight into the store, past TypeScript validation.
    const bad = [
      ['forged-dump', 'Dumped', { bytes: 'lots' }],
      // A request whose id no uuid cast accepts: it also used to break the checkpoint_requests view.
      [`request-forged`, 'BackupRequested', { requestId: 'not-a-uuid', source: 'api', reason: 'forged', requestedBy: 'admin' }],
    ] as const;
    for (const [stream, type, data] of bad) {
      const { rows } = await f.db.pool.query(`SELECT global_position::text AS p FROM cotton_backup.append_event($1, 0, $2, $3::jsonb)`, [stream, type, JSON.stringify(data)]);
      forged.push(rows[0].p);
    }
  });
  afterAll(() => f.cleanup());

  // Kills the revert of issue 27 point 9a (test/mutation/hardening-reverts.ts).
  it('is skipped by audit, which records StoredEventRejected with its stream, position and reason', async () => {
    const first = await cli('audit', '--limit', '50');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).not.toMatch(/#\s*\d+\s+\S+\s+forged-dump\s/);
    const recorded = await rejections();
    expect(recorded).toHaveLength(2);
    expect(recorded).toContainEqual({
      globalPosition: forged[0],
      streamId: 'forged-dump',
      streamVersion: '1',
      rejectedType: 'Dumped',
      reason: expect.stringMatching(/data\.bytes: .*number/),
    });
    expect(recorded).toContainEqual(expect.objectContaining({ globalPosition: forged[1], streamId: 'request-forged', reason: expect.stringMatching(/data\.requestId: must be a uuid/) }));
    const again = await cli('audit', '--limit', '50');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/StoredEventRejected\s+Dumped at #\d+ in forged-dump: /);
  });

  it('is skipped by projections rebuild', async () => {
    const run = await cli('projections', 'rebuild');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^replayed \d+ events\n$/);
  });

  it('is skipped by GET …/events on the admin server, which pages on past it', async () => {
    const seen: { globalPosition: string; type: string }[] = [];
    let after = '0';
    await waitUntil(async () => {
      const res = await api(`/events?after=${after}&limit=2`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { events: { globalPosition: string; type: string }[]; nextAfter: string };
      seen.push(...page.events);
      after = page.nextAfter;
      return BigInt(after) > BigInt(forged[1]!);
    }, 'the pages past the invalid events');
    expect(seen.map((e) => e.globalPosition)).not.toContain(forged[0]);
    expect(seen.map((e) => e.globalPosition)).not.toContain(forged[1]);
    expect(await readStream(f.db.pool, 'forged-dump')).toEqual([]);
  });

  it('is recorded once, however many readers met it', async () => {
    await Promise.all([cli('audit', '--limit', '50'), api('/events?limit=100'), cli('audit', '--limit', '50'), readStream(f.db.pool, 'forged-dump')]);
    const recorded = await rejections();
    expect(recorded.filter((d) => d.globalPosition === forged[0])).toHaveLength(1);
    expect(recorded.filter((d) => d.globalPosition === forged[1])).toHaveLength(1);
  });

  it('does not stop a genuine request from being served', async () => {
    const res = await fetch(`${host.url}${API_PREFIX}/trigger`, { method: 'PATCH', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(202);
    await servedBackupOf(f.db.pool, ((await res.json()) as { requestId: string }).requestId);
  });

  it('does not break /metrics or the admin page, which read event data in SQL', async () => {
    const append = (stream: string, type: string, data: unknown) =>
      f.db.pool.query(`SELECT cotton_backup.append_event($1, 0, $2, $3::jsonb)`, [stream, type, JSON.stringify(data)]);
    await append('verification-forged-1', 'Verified', { backupId: 'x', durationMs: 'slow' });
    await append('verification-forged-2', 'VerificationFailed', { backupId: 7, problems: 5 });
    const metrics = await fetch(`${host.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/verification/);
    const status = await api('/status');
    expect(status.status).toBe(200);
    expect(((await status.json()) as { verification: unknown }).verification).toMatchObject({ ok: false, problems: [] });
  });
});
