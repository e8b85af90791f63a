import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../../../src/host/host';
import { runCliCaptured } from '../../../test/support/cli';
import { API_PREFIX } from '../edges/http/api/context';
import { ADMIN_TOKEN, cliEnv, createHostFixture, servedBackupOf, type HostFixture } from '../../../test/support/host-fixture';

/** `name{labels} value` lines of a Prometheus text exposition, keyed by `name{labels}`. */
function parseExposition(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}

describe('GET /metrics on a running host', () => {
  let f: HostFixture;
  let host: Host;
  const scrape = (headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` }, on = host) => fetch(`${on.url}/metrics`, { headers });

  beforeAll(async () => {
    f = await createHostFixture('metrics');
    host = await f.startHost({ COTTON_BUILD_COMMIT: 'abcdef1' });
  });
  afterAll(() => f.cleanup());

  it('is an admin route: 401 without the token', async () => {
    expect((await scrape({})).status).toBe(401);
    expect((await scrape({ authorization: 'Bearer wrong-token-wrong-token' })).status).toBe(401);
  });

  it('reports backup, verification and drill state computed from the record, and process metrics', async () => {
    const before = parseExposition(await (await scrape()).text());
    expect(before.has('cotton_backup_last_success_timestamp_seconds')).toBe(false);
    expect(before.get('cotton_backup_runs_total{outcome="succeeded"}')).toBe(0);
    expect(before.has('cotton_backup_latest_verified')).toBe(false); // no latest backup yet
    expect(before.has('cotton_backup_last_failure_timestamp_seconds')).toBe(false);
    expect(before.get('cotton_backup_repository_stored_bytes')).toBe(0);
    const { version } = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(before.get(`cotton_backup_build_info{version="${version}",commit="abcdef1"}`)).toBe(1);

    const started = Date.now() / 1000;
    const res = await fetch(`${host.url}${API_PREFIX}/trigger`, { method: 'PATCH', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const { requestId } = (await res.json()) as { requestId: string };
    const backupId = await servedBackupOf(f.db.pool, requestId);
    const unverified = parseExposition(await (await scrape()).text());
    expect(unverified.get('cotton_backup_latest_verified')).toBe(0);
    expect((await runCliCaptured(cliEnv(f), 'verify')).code).toBe(0);
    expect((await runCliCaptured(cliEnv(f), 'drill')).code).toBe(0);

    const response = await scrape();
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = parseExposition(await response.text());
    const { rows } = await f.db.pool.query('SELECT dump_bytes::float8 AS dump, stored_bytes_written::float8 AS stored, new_bytes::float8 AS fresh, reused_bytes::float8 AS reused FROM cotton_backup.backup_history WHERE backup_id = $1', [backupId]);
    expect(m.get('cotton_backup_runs_total{outcome="succeeded"}')).toBe(1);
    expect(m.get('cotton_backup_runs_total{outcome="failed"}')).toBe(0);
    expect(m.get('cotton_backup_last_success_timestamp_seconds')).toBeGreaterThanOrEqual(Math.floor(started));
    expect(m.get('cotton_backup_last_attempt_timestamp_seconds')).toBeGreaterThanOrEqual(Math.floor(started));
    expect(m.get('cotton_backup_last_dump_bytes')).toBe(rows[0].dump);
    expect(m.get('cotton_backup_last_stored_bytes')).toBe(rows[0].stored);
    expect(m.get('cotton_backup_repository_stored_bytes')).toBe(rows[0].stored); // the one backup, nothing released
    expect(m.get('cotton_backup_latest_verified')).toBe(1);
    const { rows: retention } = await f.db.pool.query("SELECT coalesce(retention, 'undecided') AS r FROM cotton_backup.backup_history WHERE backup_id = $1", [backupId]);
    for (const state of ['kept', 'expired', 'undecided']) expect(m.get(`cotton_backup_backups{retention="${state}"}`), state).toBe(state === retention[0].r ? 1 : 0);
    expect(m.get('cotton_backup_last_new_bytes')).toBe(rows[0].fresh);
    expect(m.get('cotton_backup_last_reused_bytes')).toBe(rows[0].reused);
    expect(m.get('cotton_backup_last_duration_seconds')).toBeGreaterThan(0);
    expect(m.get('cotton_backup_pending_requests')).toBe(0);
    expect(m.get('cotton_backup_running')).toBe(0);
    expect(m.get('cotton_backup_schedule_interval_seconds')).toBe(86_400); // default 0 3 * * *
    expect(m.get('cotton_backup_next_run_timestamp_seconds')).toBeGreaterThan(started);
    expect(m.get('cotton_backup_verifications_total{outcome="passed"}')).toBe(1);
    expect(m.get('cotton_backup_verification_last_ok')).toBe(1);
    expect(m.get('cotton_backup_verification_last_success_timestamp_seconds')).toBeGreaterThanOrEqual(Math.floor(started));
    expect(m.get('cotton_backup_drills_total{outcome="passed"}')).toBe(1);
    expect(m.get('cotton_backup_drills_total{outcome="failed"}')).toBe(0);
    expect(m.get('cotton_backup_drill_last_ok')).toBe(1);
    expect(m.get('cotton_backup_drill_last_duration_seconds')).toBeGreaterThan(0);
    expect(m.get('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect([...m.keys()].some((k) => k.startsWith('nodejs_heap_size_used_bytes'))).toBe(true);
  });

  it('answers without the token when COTTON_METRICS_PUBLIC=true, and a second host reports the same backups', async () => {
    const open = await f.startHost({ COTTON_METRICS_PUBLIC: 'true' });
    const res = await scrape({}, open);
    expect(res.status).toBe(200);
    expect(parseExposition(await res.text()).get('cotton_backup_runs_total{outcome="succeeded"}')).toBe(1);
  });
});
