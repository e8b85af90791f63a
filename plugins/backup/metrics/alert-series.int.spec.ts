import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../../../src/host/host';
import { API_PREFIX } from '../edges/http/api/context';
import { runCliCaptured } from '../../../test/support/cli';
import { ADMIN_TOKEN, cliEnv, createHostFixture, servedBackupOf, waitUntil, type HostFixture } from '../../../test/support/host-fixture';

const ALERTS = fileURLToPath(new URL('../../../docs/prometheus-alerts.yml', import.meta.url));

// PromQL words that are not series names (functions are told apart by the "(" after them).
const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset']);

/** Every alert's `expr`, one line each (a multi-line expression is refused: this reader would miss its names). */
export function alertExpressions(yaml: string): { alert: string; expr: string }[] {
  const found: { alert: string; expr: string }[] = [];
  let alert: string | undefined;
  for (const line of yaml.split('\n')) {
    const a = /^\s*- alert:\s*(\S+)\s*$/.exec(line);
    if (a) alert = a[1];
    const e = /^\s*expr:\s*(.*)$/.exec(line);
    if (!e) continue;
    if (!alert || /^[|>]/.test(e[1]!) || e[1]!.trim() === '') throw new Error(`docs/prometheus-alerts.yml: an expr this test cannot read: ${line.trim()}`);
    found.push({ alert, expr: e[1]!.trim() });
    alert = undefined;
  }
  return found;
}

/** The series names a PromQL expression reads: identifiers outside label matchers, ranges and strings, not functions or keywords. */
export function seriesNames(expr: string): string[] {
  const bare = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\{[^}]*\}/g, ' ').replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' '); // label lists, not series
  const names = [...bare.matchAll(/(?<![A-Za-z0-9_:])[A-Za-z_:][A-Za-z0-9_:]*(?!\s*\(|[A-Za-z0-9_:])/g)].map((m) => m[0]).filter((n) => !KEYWORDS.has(n));
  return [...new Set(names)];
}

/** Series names (without labels) that have at least one sample in a Prometheus text exposition. */
function sampledNames(text: string): Set<string> {
  return new Set(text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(l)![0]));
}

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('reading the example alerts', () => {
  it('finds the series of an expression, not its functions, keywords, labels or ranges', () => {
    expect(seriesNames('time() - a_b_seconds > 2 * c_interval')).toEqual(['a_b_seconds', 'c_interval']);
    expect(seriesNames('sum by (target) (increase(x_total{outcome="failed", by="y"}[1d])) > 0 and on(target) y == 0')).toEqual(['x_total', 'y']);
    expect(() => alertExpressions('  - alert: A\n    expr: |\n      up == 0\n')).toThrow(/cannot read/);
  });
});

describe('docs/prometheus-alerts.yml against GET /metrics of a running host with copy targets', () => {
  let f: HostFixture;
  let host: Host;
  let text: string;
  let started: number;

  beforeAll(async () => {
    f = await createHostFixture('alerts');
    // "broken": its folder's parent is a file, so every copy to it fails.
    await writeFile(join(f.root, 'not-a-folder'), 'x');
    host = await f.startHost({
      COTTON_BACKUP_COPIES: `disk2=file://${f.root}/copy-disk2,broken=file://${f.root}/not-a-folder/repo`,
      COTTON_BACKUP_COPY_ATTEMPTS: '1',
    });
    started = Math.floor(Date.now() / 1000);
    const res = await fetch(`${host.url}${API_PREFIX}/trigger`, { method: 'PATCH', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    await servedBackupOf(f.db.pool, ((await res.json()) as { requestId: string }).requestId);
    await waitUntil(async () => (await f.db.pool.query("SELECT 1 FROM cotton_backup.copy_targets WHERE target = 'broken' AND copies_failed > 0")).rowCount, 'the broken target to fail');
    await waitUntil(async () => (await f.db.pool.query("SELECT 1 FROM cotton_backup.copy_targets WHERE target = 'disk2' AND copies_completed > 0")).rowCount, 'the copy to disk2');
    // The verification and drill alerts read series that exist once one of each has run.
    expect((await runCliCaptured(cliEnv(f), 'verify')).code).toBe(0);
    expect((await runCliCaptured(cliEnv(f), 'drill')).code).toBe(0);
    text = await (await fetch(`${host.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
  }, 120_000);
  afterAll(() => f.cleanup());

  // Kills the revert of issue 27 point 10 (test/mutation/hardening-reverts.ts).
  it('every series an example alert uses has a sample', async () => {
    const expressions = alertExpressions(await readFile(ALERTS, 'utf8'));
    expect(expressions.length).toBe((await readFile(ALERTS, 'utf8')).match(/^\s*- alert:/gm)!.length);
    const sampled = sampledNames(text);
    const missing = expressions.flatMap(({ alert, expr }) => seriesNames(expr).filter((n) => !sampled.has(n)).map((n) => `${alert}: ${n}`));
    expect(missing).toEqual([]);
  });

  it('reports each copy target: last success, last attempt, backups behind, bytes sent, runs by outcome', async () => {
    const { rows } = await f.db.pool.query("SELECT bytes_sent::float8 AS sent FROM cotton_backup.copy_targets WHERE target = 'disk2'");
    expect(rows[0].sent).toBeGreaterThan(0);
    expect(sample(text, 'cotton_backup_copy_last_success_timestamp_seconds{target="disk2"}')).toBeGreaterThanOrEqual(started);
    expect(sample(text, 'cotton_backup_copy_last_attempt_timestamp_seconds{target="disk2"}')).toBeGreaterThanOrEqual(started);
    expect(sample(text, 'cotton_backup_copy_backups_behind{target="disk2"}')).toBe(0);
    expect(sample(text, 'cotton_backup_copy_sent_bytes_total{target="disk2"}')).toBe(rows[0].sent);
    expect(sample(text, 'cotton_backup_copy_runs_total{target="disk2",outcome="completed"}')).toBe(1);
    // The failing target: no success (absent, not 1970), the backup it lacks, its failure counted.
    expect(sample(text, 'cotton_backup_copy_last_success_timestamp_seconds{target="broken"}')).toBeUndefined();
    expect(sample(text, 'cotton_backup_copy_last_attempt_timestamp_seconds{target="broken"}')).toBeGreaterThanOrEqual(started);
    expect(sample(text, 'cotton_backup_copy_backups_behind{target="broken"}')).toBe(1);
    expect(sample(text, 'cotton_backup_copy_sent_bytes_total{target="broken"}')).toBe(0);
    expect(sample(text, 'cotton_backup_copy_runs_total{target="broken",outcome="failed"}')).toBeGreaterThanOrEqual(1);
  });
});
