/**
 * Request → BackupStarted latency of the two database-side triggers, on a running host.
 *
 *   npx tsx bench/trigger-latency.ts [n]      (default 20 per path)
 *
 * Starts a Host in this process over a fresh, small Cotton-shaped database, then for each path
 * sends n requests one after another, waiting for each backup to finish before the next:
 * - NOTIFY: `SELECT pg_notify('cotton_backup', '{"reason": ...}')` from a separate connection;
 * - SQL: `SELECT cotton_backup.request_checkpoint(...)` (autocommit) from that connection.
 * Latency = BackupStarted.occurred_at (database clock, same machine) − the client's clock just
 * before it sent the request. Prints p50/p99 and writes bench/results/trigger-latency.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { loadConfig } from '../src/config/config';
import { Host } from '../src/host/host';
import { createTestDatabase } from '../test/support/database';
import { seedCottonDatabase } from '../test/support/cotton-schema';

export interface LatencyStats {
  n: number;
  p50Ms: number;
  p99Ms: number;
  minMs: number;
  maxMs: number;
  meanMs: number;
  samplesMs: number[];
}

export interface TriggerLatencyResult {
  measuredAt: string;
  perPath: number;
  dumpBytes: number;
  notify: LatencyStats;
  requestCheckpoint: LatencyStats;
}

export interface TriggerLatencyOptions {
  /** Requests per path (default 20). */
  n?: number;
  /** seedCottonDatabase scale (default 1: ~2000 bulk rows). */
  scale?: number;
  /** Where to write the JSON (default bench/results/trigger-latency.json; null = do not write). */
  output?: string | null;
}

const OUTPUT = fileURLToPath(new URL('./results/trigger-latency.json', import.meta.url));
const PLUGINS = fileURLToPath(new URL('../plugins', import.meta.url));

const SERVED = `
  SELECT r.status, s.occurred_at AS started_at
    FROM cotton_backup.checkpoint_requests r
    LEFT JOIN cotton_backup.events s ON s.stream_id = r.backup_id AND s.type = 'BackupStarted'
   WHERE r.reason = $1`;
const LAST_DUMP_BYTES = `SELECT dump_bytes FROM cotton_backup.backup_history WHERE status = 'succeeded' ORDER BY started_at DESC LIMIT 1`;

export async function measureTriggerLatency(options: TriggerLatencyOptions = {}): Promise<TriggerLatencyResult> {
  const n = options.n ?? 20;
  const db = await createTestDatabase('bench_trig');
  const root = await mkdtemp(join(tmpdir(), 'bench-trig-'));
  let host: Host | undefined;
  const client = new pg.Client({ host: db.env.COTTON_PG_HOST, port: Number(db.env.COTTON_PG_PORT), user: db.env.COTTON_PG_USERNAME, password: db.env.COTTON_PG_PASSWORD, database: db.name });
  try {
    await seedCottonDatabase(db.pool, options.scale ?? 1);
    const config = loadConfig({
      ...db.env,
      COTTON_MASTER_KEY: 'bench-trigger-latency-master-key',
      COTTON_STORAGE_PATH: join(root, 'files'),
      COTTON_DATA_PATH: join(root, 'data'),
      COTTON_HTTP_PORT: '0',
      COTTON_LOG_LEVEL: 'silent',
      COTTON_BACKUP_STAGGER_MS: '0',
      // One role sends every request here: the per-role limit would refuse all but the first ten.
      COTTON_BACKUP_NOTIFY_PER_MINUTE: '100000',
    });
    host = new Host({ config, pluginsPath: PLUGINS });
    await host.start();
    await client.connect();

    const measure = async (path: string, send: (reason: string) => Promise<unknown>): Promise<LatencyStats> => {
      const samples: number[] = [];
      for (let i = 0; i < n; i++) {
        const reason = `bench ${path} ${i} ${Date.now()}`;
        const sentAt = Date.now();
        await send(reason);
        const startedAt = await waitServed(db.pool, reason);
        samples.push(startedAt.getTime() - sentAt);
      }
      return stats(samples);
    };
    // One warm-up backup, so the first sample does not pay for cold caches.
    await client.query(`SELECT cotton_backup.request_checkpoint('bench warm-up')`);
    await waitServed(db.pool, 'bench warm-up');
    const notify = await measure('notify', (reason) => client.query(`SELECT pg_notify('cotton_backup', $1)`, [JSON.stringify({ reason, requestedBy: 'bench' })]));
    const requestCheckpoint = await measure('sql', (reason) => client.query('SELECT cotton_backup.request_checkpoint($1)', [reason]));
    const dumpBytes = Number((await db.pool.query(LAST_DUMP_BYTES)).rows[0]?.dump_bytes ?? 0);
    const result: TriggerLatencyResult = { measuredAt: new Date().toISOString(), perPath: n, dumpBytes, notify, requestCheckpoint };
    const output = options.output === undefined ? OUTPUT : options.output;
    if (output) {
      await mkdir(join(output, '..'), { recursive: true });
      await writeFile(output, `${JSON.stringify(result, null, 2)}\n`);
    }
    return result;
  } finally {
    await client.end().catch(() => undefined);
    await host?.stop();
    await db.drop();
    await rm(root, { recursive: true, force: true });
  }
}

async function waitServed(pool: pg.Pool, reason: string): Promise<Date> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const { rows } = await pool.query<{ status: string; started_at: Date | null }>(SERVED, [reason]);
    const row = rows[0];
    if (row?.status === 'failed') throw new Error(`request "${reason}" failed`);
    if (row?.status === 'served' && row.started_at) return row.started_at;
    if (Date.now() > deadline) throw new Error(`request "${reason}" not served within 2 minutes (status ${row?.status ?? 'not recorded'})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function stats(samples: number[]): LatencyStats {
  const sorted = [...samples].sort((a, b) => a - b);
  const pick = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return {
    n: samples.length,
    p50Ms: pick(50),
    p99Ms: pick(99),
    minMs: sorted[0]!,
    maxMs: sorted.at(-1)!,
    meanMs: Math.round(samples.reduce((a, b) => a + b, 0) / samples.length),
    samplesMs: samples,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = Number(process.argv[2] ?? 20);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`usage: npx tsx bench/trigger-latency.ts [n]  (got ${process.argv[2]})`);
    process.exit(2);
  }
  const r = await measureTriggerLatency({ n });
  const line = (name: string, s: LatencyStats) =>
    `${name.padEnd(22)} p50 ${s.p50Ms} ms  p99 ${s.p99Ms} ms  (min ${s.minMs}, max ${s.maxMs}, mean ${s.meanMs}; n=${s.n})`;
  console.log(`request → BackupStarted, ${r.perPath} sequential requests per path, dump ${(r.dumpBytes / 1024).toFixed(0)} KiB`);
  console.log(line('NOTIFY cotton_backup', r.notify));
  console.log(line('request_checkpoint()', r.requestCheckpoint));
  console.log(`written to ${OUTPUT}`);
}
