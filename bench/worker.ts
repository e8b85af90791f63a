/**
 * One measured operation in a fresh Node process, so that its peak RSS is its own and not what an
 * earlier phase of the benchmark left on the heap:
 *
 *   node dist/bench/worker.js '<WorkerRequest JSON>'     (compiled by compiled-worker.ts)
 *
 * Prints one line `RESULT <json>` (WorkerResult). RSS is this process's only: pg_dump and
 * pg_restore are child processes with their own memory, not counted.
 */
import pg from 'pg';
import { loadConfig } from '../src/config/config';
import { deriveMasterEncryptionKey } from '../src/keys/keys';
import { createLogger } from '../src/logging/logger';
import { openStorage } from '../src/storage/open/open-storage';
import { runBackup } from '../plugins/backup/take-backup/run-backup';
import { restoreBackup } from '../plugins/backup/restore/restore-backup';
import { connectionTarget, createBackupServices } from '../plugins/backup/runtime/services';
import { cottonWayBackup } from './cotton-way';
import { RssSampler } from './rss';
import { childrenCpuMs } from './proc-cpu';
import { FORGET_STORAGE_IDENTITY } from './sql';

export const BENCH_MASTER_KEY = 'bench-master-key-0123456789abcde';

export interface WorkerRequest {
  op: 'backup' | 'cotton' | 'restore';
  /** The source database (backup, cotton) or the empty target database (restore). */
  database: string;
  host: string;
  port: number;
  user: string;
  password?: string;
  storageRoot: string;
  dataPath: string;
  /** Extra COTTON_* settings (chunking, upload concurrency). */
  env?: Record<string, string>;
}

export interface WorkerResult {
  op: WorkerRequest['op'];
  durationMs: number;
  /** Peak RSS sampled every 20 ms during the operation. */
  peakRssBytes: number;
  /** getrusage max RSS of the whole process (includes start-up). */
  maxRssBytes: number;
  /** RSS just before the operation started (Node + the compiled modules). */
  startRssBytes: number;
  /** CPU of the operation's process tree: this process during it, and the pg_dump / pg_restore it ran and reaped. */
  cpuMs: number;
  details: Record<string, unknown>;
}

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2] ?? '') as WorkerRequest;
  const config = loadConfig({
    COTTON_PG_HOST: request.host,
    COTTON_PG_PORT: String(request.port),
    COTTON_PG_DATABASE: request.database,
    COTTON_PG_USERNAME: request.user,
    ...(request.password ? { COTTON_PG_PASSWORD: request.password } : {}),
    COTTON_MASTER_KEY: BENCH_MASTER_KEY,
    COTTON_STORAGE_PATH: request.storageRoot,
    COTTON_DATA_PATH: request.dataPath,
    COTTON_LOG_LEVEL: 'silent',
    // `COTTON_BACKUP_ROW_COUNTS=off npm run bench` measures backups without the snapshot row counts, for the ratio.
    ...(process.env.COTTON_BACKUP_ROW_COUNTS ? { COTTON_BACKUP_ROW_COUNTS: process.env.COTTON_BACKUP_ROW_COUNTS } : {}),
    ...request.env,
  });
  const masterEncryptionKey = deriveMasterEncryptionKey(BENCH_MASTER_KEY);
  // The storage the configuration names (the folder, or S3 with COTTON_STORAGE_S3_* in request.env), opened as the host opens it.
  const opened = await openStorage({ config, masterEncryptionKey, logger: createLogger({ level: 'silent' }) });
  const storage = opened.storage;
  const pool = new pg.Pool({ ...config.database, max: 4 });
  const services = createBackupServices({ config, pool, storage, masterEncryptionKey, clock: { now: () => new Date() } });
  try {
    // Warm the pool so that a connection set-up is not part of the measured time.
    await pool.query('SELECT 1');
    if (request.op === 'backup') await pool.query(FORGET_STORAGE_IDENTITY);
    const startRssBytes = process.memoryUsage.rss();
    const sampler = new RssSampler(20);
    const cpuBefore = process.cpuUsage();
    const childrenBefore = childrenCpuMs();
    const started = performance.now();
    let details: Record<string, unknown>;
    if (request.op === 'backup') {
      details = { ...(await runBackup(services.backup)) };
    } else if (request.op === 'cotton') {
      details = { ...(await cottonWayBackup(connectionTarget(config), storage, masterEncryptionKey)) };
    } else {
      const report = await restoreBackup(services.restoreContext(), { trigger: 'cli' });
      details = { backupId: report.backupId, bytes: report.bytes, verifyMs: report.verifyMs, restoreMs: report.restoreMs };
    }
    const durationMs = performance.now() - started;
    const own = process.cpuUsage(cpuBefore);
    const cpuMs = (own.user + own.system) / 1000 + childrenCpuMs() - childrenBefore;
    const peakRssBytes = sampler.stop();
    const result: WorkerResult = {
      op: request.op,
      durationMs,
      peakRssBytes,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      startRssBytes,
      cpuMs,
      details,
    };
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  } finally {
    await services.coordinator.stop(0);
    await pool.end();
    await opened.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
