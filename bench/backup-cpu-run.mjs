// One backup with the compiled code of a checkout, in this fresh plain-Node process (no tsx: its
// modules would change the heap, and with it how often V8 collects), for bench/backup-cpu-ab.ts:
//
//   node bench/backup-cpu-run.mjs <checkout> <database> <storage root>
//
// Prints one JSON line: CPU of this process (all threads and by thread name), of pg_dump, major GCs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [checkout, database, storageRoot] = process.argv.slice(2);
const from = (path) => import(pathToFileURL(join(checkout, 'dist', path)).href);
const { default: pg } = await import(pathToFileURL(join(checkout, 'node_modules/pg/lib/index.js')).href);
const { loadConfig } = await from('src/config/config.js');
const { deriveMasterEncryptionKey } = await from('src/keys/keys.js');
const { createStorage } = await from('src/storage/create-storage.js');
const { runBackup } = await from('plugins/backup/backup/run-backup.js');
const { createBackupServices } = await from('plugins/backup/services.js');

// utime + stime in ms from a /proc stat line (fields after the command name); children: cutime + cstime.
const cpuMs = (stat, children = false) => {
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  const at = children ? 13 : 11;
  return (Number(fields[at]) + Number(fields[at + 1])) * 10;
};
const threads = () => {
  const byName = {};
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      byName[name] = (byName[name] ?? 0) + cpuMs(stat);
    } catch {
      // the thread ended meanwhile
    }
  }
  return byName;
};
const processCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const KEY = 'bench-cpu-ab-master-key-01234567';
const config = loadConfig({
  COTTON_PG_HOST: process.env.TEST_PG_HOST ?? '127.0.0.1',
  COTTON_PG_PORT: process.env.TEST_PG_PORT ?? '5432',
  COTTON_PG_USERNAME: process.env.TEST_PG_USER ?? 'postgres',
  ...(process.env.TEST_PG_PASSWORD ? { COTTON_PG_PASSWORD: process.env.TEST_PG_PASSWORD } : {}),
  COTTON_PG_DATABASE: database,
  COTTON_MASTER_KEY: KEY,
  COTTON_STORAGE_PATH: storageRoot,
  COTTON_DATA_PATH: join(storageRoot, '..', 'data'),
  COTTON_LOG_LEVEL: 'silent',
});
const masterEncryptionKey = deriveMasterEncryptionKey(KEY);
const storage = createStorage({ root: storageRoot, masterEncryptionKey, zstdLevel: config.storage.zstdLevel });
const pool = new pg.Pool({ ...config.database, max: 4 });
const services = createBackupServices({ config, pool, storage, masterEncryptionKey, clock: { now: () => new Date() } });
await pool.query('SELECT 1');

let majorGcs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (entry.detail?.kind === 4) majorGcs++;
}).observe({ entryTypes: ['gc'] });
const threads0 = threads();
const cpu0 = processCpu();
const children0 = cpuMs(readFileSync('/proc/self/stat', 'utf8'), true);
const started = performance.now();
const outcome = await runBackup(services.backup);
const wallMs = performance.now() - started;
const oursCpuMs = processCpu() - cpu0;
const pgDumpCpuMs = cpuMs(readFileSync('/proc/self/stat', 'utf8'), true) - children0;
const threads1 = threads();
await services.coordinator.stop(0);
await pool.end();
const threadsCpuMs = Object.fromEntries(Object.keys(threads1).map((name) => [name, threads1[name] - (threads0[name] ?? 0)]));
process.stdout.write(`${JSON.stringify({ dumpBytes: outcome.dumpSizeBytes, wallMs, oursCpuMs, pgDumpCpuMs, threadsCpuMs, majorGcs })}\n`);
process.exit(0);
