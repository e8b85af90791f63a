import { readFileSync } from 'node:fs';
import { CronExpressionParser } from 'cron-parser';
import type { Pool } from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { SCHEDULE_QUEUE } from '../core/queues';
import { BACKUP_SCHEDULE, BACKUP_TOTALS, CHECK_TOTALS, LATEST_BACKUP_VERIFIED, LATEST_SUCCEEDED_BACKUP, PENDING_REQUEST_COUNT, REPOSITORY_TOTALS } from './sql';

/**
 * More metrics read at scrape time (copy-metrics.ts: one series per copy target): registered on the
 * registry given here, each with a `collect()` that reads its read model; `once(read)` runs a read
 * once per scrape however many of the source's metrics ask for it.
 */
export type MetricSource = (registry: Registry, pool: Pool, once: <T>(read: () => Promise<T>) => () => Promise<T>) => void;

const PREFIX = 'cotton_backup_';

/** package.json's version (what /health reports): one folder further up when compiled into dist/ (src/host/paths.ts). */
const PACKAGE_JSON = new URL(import.meta.url.endsWith('.js') ? '../../../../package.json' : '../../../package.json', import.meta.url);
const PACKAGE_VERSION: string = (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }).version;

/**
 * The plugin's Prometheus registry: backup, verification and drill state computed from the read
 * models and events at every scrape (`collect()`), so every host reports the same values and a
 * restart loses nothing; plus Node's process metrics of this host.
 */
export interface Metrics {
  registry: Registry;
  /** The Prometheus text exposition of one scrape. */
  scrape(): Promise<string>;
}

export function createMetricsRegistry(pool: Pool, sources: readonly MetricSource[] = [], build: { commit?: string } = {}): Metrics {
  const registry = new Registry();
  const cache = new ScrapeCache();
  collectDefaultMetrics({ register: registry });
  new Gauge({ name: PREFIX + 'build_info', help: 'Always 1; the labels name the running build (commit "unknown" without COTTON_BUILD_COMMIT).', labelNames: ['version', 'commit'], registers: [registry] })
    .set({ version: PACKAGE_VERSION, commit: build.commit ?? 'unknown' }, 1);
  backupMetrics(registry, pool, cache);
  checkMetrics(registry, pool, cache, { name: 'verification', plural: 'verifications', pass: 'Verified', fail: 'VerificationFailed', streams: 'verification-' });
  checkMetrics(registry, pool, cache, { name: 'drill', plural: 'drills', pass: 'DrillPassed', fail: 'DrillFailed', streams: 'drill-' });
  for (const source of sources) source(registry, pool, (read) => cache.of(read));
  return {
    registry,
    async scrape() {
      cache.clear();
      return registry.metrics();
    },
  };
}

/** A gauge whose value is read at scrape time; an unknown value (no backup yet) is absent, not 0. */
function readGauge(registry: Registry, name: string, help: string, read: () => Promise<number | null | undefined>): void {
  new Gauge({
    name: PREFIX + name,
    help,
    registers: [registry],
    async collect() {
      const value = await read();
      this.reset();
      if (value !== null && value !== undefined && Number.isFinite(value)) this.set(value);
      // reset() leaves an unlabelled gauge at 0; a 0 would read as "last success in 1970".
      else (this as unknown as { hashMap: object }).hashMap = {};
    },
  });
}

/** A counter of outcomes, recounted from the record at each scrape (monotonic: records are never removed). */
function outcomeCounter(registry: Registry, name: string, help: string, read: () => Promise<Record<string, number>>): void {
  new Counter({
    name: PREFIX + name,
    help,
    labelNames: ['outcome'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [outcome, n] of Object.entries(await read())) this.inc({ outcome }, n);
    },
  });
}

/** The reads of one scrape: several metrics share one query; scrape() starts a fresh set. */
class ScrapeCache {
  #reads = new Map<() => Promise<unknown>, Promise<unknown>>();
  clear(): void {
    this.#reads = new Map();
  }
  /** `read` once per scrape, however many metrics ask. */
  of<T>(read: () => Promise<T>): () => Promise<T> {
    return () => {
      if (!this.#reads.has(read)) this.#reads.set(read, read());
      return this.#reads.get(read) as Promise<T>;
    };
  }
}

function backupMetrics(registry: Registry, pool: Pool, cache: ScrapeCache): void {
  const totals = cache.of(async () => (await pool.query(BACKUP_TOTALS)).rows[0] as Record<string, number | null>);
  const latest = cache.of(async () => (await pool.query(LATEST_SUCCEEDED_BACKUP)).rows[0] as Record<string, number | null> | undefined);
  readGauge(registry, 'last_success_timestamp_seconds', 'When the last successful backup finished (Unix time).', async () => (await totals()).last_success);
  readGauge(registry, 'last_attempt_timestamp_seconds', 'When the last backup started, whatever its outcome (Unix time).', async () => (await totals()).last_attempt);
  readGauge(registry, 'last_failure_timestamp_seconds', 'When the last failed backup ended (Unix time); absent before the first failure.', async () => (await totals()).last_failure);
  readGauge(registry, 'running', 'Backups running now (0 or 1).', async () => (await totals()).running);
  outcomeCounter(registry, 'runs_total', 'Backups by outcome (succeeded, failed).', async () => {
    const t = await totals();
    return { succeeded: t.succeeded ?? 0, failed: t.failed ?? 0 };
  });
  readGauge(registry, 'last_duration_seconds', 'Wall time of the last successful backup.', async () => nullable((await latest())?.duration_ms, 1 / 1000));
  readGauge(registry, 'last_dump_bytes', 'Size of the last successful backup’s pg_dump output.', async () => (await latest())?.dump_bytes);
  readGauge(registry, 'last_stored_bytes', 'Bytes the last successful backup wrote to storage (compressed, encrypted).', async () => (await latest())?.stored_bytes);
  readGauge(registry, 'last_new_bytes', 'Dump bytes of the last successful backup in chunks not stored before.', async () => (await latest())?.new_bytes);
  readGauge(registry, 'last_reused_bytes', 'Dump bytes of the last successful backup in chunks already stored (deduplicated).', async () => (await latest())?.reused_bytes);
  readGauge(registry, 'pending_requests', 'Backup requests not yet served (pending or retrying).', async () => (await pool.query(PENDING_REQUEST_COUNT)).rows[0].n);
  const repository = cache.of(async () => (await pool.query(REPOSITORY_TOTALS)).rows[0] as Record<string, number>);
  readGauge(registry, 'repository_stored_bytes', 'Bytes stored for the completed backups whose objects were not released to Cotton’s GC.', async () => (await repository()).stored_bytes);
  new Gauge({
    name: PREFIX + 'backups',
    help: 'Completed backups by retention state (kept, expired, undecided: retention has not run since).',
    labelNames: ['retention'],
    registers: [registry],
    async collect() {
      const r = await repository();
      this.reset();
      for (const retention of ['kept', 'expired', 'undecided'] as const) this.set({ retention }, r[retention] ?? 0);
    },
  });
  readGauge(registry, 'unreadable_manifests', 'Kept backups whose manifest retention could not read at its last run: their chunks are not pinned, and nothing is released while any is.', async () => (await repository()).unreadable_manifests);
  readGauge(registry, 'latest_verified', '1 when the latest backup’s last verification passed, 0 when it failed or none ran; absent without a latest backup.', async () => {
    const row = (await pool.query(LATEST_BACKUP_VERIFIED)).rows[0] as { verified: boolean | null } | undefined;
    return row === undefined ? null : row.verified ? 1 : 0;
  });
  const schedule = cache.of(() => scheduleTimes(pool));
  readGauge(registry, 'schedule_interval_seconds', 'Time between two runs of the backup schedule (for staleness alerts).', async () => (await schedule())?.interval);
  readGauge(registry, 'next_run_timestamp_seconds', 'When the backup schedule runs next (Unix time).', async () => (await schedule())?.next);
}

function checkMetrics(
  registry: Registry,
  pool: Pool,
  cache: ScrapeCache,
  c: { name: string; plural: string; pass: string; fail: string; streams: string },
): void {
  const totals = cache.of(async () => (await pool.query(CHECK_TOTALS, [c.pass, c.fail, c.streams])).rows[0] as Record<string, number | boolean | null>);
  readGauge(registry, `${c.name}_last_success_timestamp_seconds`, `When the last ${c.name} passed (Unix time).`, async () => (await totals()).last_success as number | null);
  readGauge(registry, `${c.name}_last_attempt_timestamp_seconds`, `When the last ${c.name} ended, whatever its outcome (Unix time).`, async () => (await totals()).last_attempt as number | null);
  readGauge(registry, `${c.name}_last_ok`, `1 when the last ${c.name} passed, 0 when it failed; absent before the first.`, async () => {
    const ok = (await totals()).last_ok;
    return ok === null ? null : ok ? 1 : 0;
  });
  readGauge(registry, `${c.name}_last_duration_seconds`, `Wall time of the last ${c.name} that passed.`, async () => nullable((await totals()).last_duration_ms as number | null, 1 / 1000));
  outcomeCounter(registry, `${c.plural}_total`, `${c.plural[0]!.toUpperCase()}${c.plural.slice(1)} by outcome (passed, failed).`, async () => {
    const t = await totals();
    return { passed: Number(t.passed ?? 0), failed: Number(t.failed ?? 0) };
  });
}

function nullable(value: number | null | undefined, factor: number): number | null {
  return value === null || value === undefined ? null : value * factor;
}

/** The interval of the backup cron (between its next two runs) and its next run, from pg-boss's own record. */
export async function scheduleTimes(pool: Pool): Promise<{ cron: string; timezone: string; interval: number; next: number } | undefined> {
  const { rows } = await pool.query<{ cron: string; timezone: string | null }>(BACKUP_SCHEDULE, [SCHEDULE_QUEUE]).catch(() => ({ rows: [] }));
  if (!rows[0]) return undefined;
  const cron = CronExpressionParser.parse(rows[0].cron, { tz: rows[0].timezone ?? 'UTC', strict: false });
  const next = cron.next().getTime();
  const after = cron.next().getTime();
  return { cron: rows[0].cron, timezone: rows[0].timezone ?? 'UTC', interval: (after - next) / 1000, next: next / 1000 };
}
