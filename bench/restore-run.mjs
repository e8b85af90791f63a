// One restore with the compiled code of a checkout, in this fresh plain-Node process, for
// bench/restore-ab.ts (no tsx: its modules would change the heap and the start-up cost):
//
//   node bench/restore-run.mjs <checkout> <empty target database> <storage root> <data path>
//
// Prints one JSON line: wall time, verify and pg_restore phases, CPU of this process (by thread
// name) and of its children (pg_restore), peak RSS sampled every 20 ms, major GCs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [checkout, database, storageRoot, dataPath] = process.argv.slice(2);
const from = (path) => import(pathToFileURL(join(checkout, 'dist', path)).href);
const { default: pg } = await import(pathToFileURL(join(checkout, 'node_modules/pg/lib/index.js')).href);
const { loadConfig } = await from('src/config/config.js');
const { deriveMasterEncryptionKey } = await from('src/keys/keys.js');
const { createStorage } = await from('src/storage/create-storage.js');
const { restoreBackup } = await from('plugins/backup/restore/restore-backup.js');
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

// The same key as bench/backup-cpu-run.mjs, which made the backup.
const KEY = 'bench-cpu-ab-master-key-01234567';
const config = loadConfig({
  COTTON_PG_HOST: process.env.TEST_PG_HOST ?? '127.0.0.1',
  COTTON_PG_PORT: process.env.TEST_PG_PORT ?? '5432',
  COTTON_PG_USERNAME: process.env.TEST_PG_USER ?? 'postgres',
  ...(process.env.TEST_PG_PASSWORD ? { COTTON_PG_PASSWORD: process.env.TEST_PG_PASSWORD } : {}),
  COTTON_PG_DATABASE: database,
  COTTON_MASTER_KEY: KEY,
  COTTON_STORAGE_PATH: storageRoot,
  COTTON_DATA_PATH: dataPath,
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
let peakRssBytes = process.memoryUsage.rss();
const sampler = setInterval(() => (peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss())), 20);
const threads0 = threads();
const cpu0 = processCpu();
const children0 = cpuMs(readFileSync('/proc/self/stat', 'utf8'), true);
const started = performance.now();
const report = await restoreBackup(services.restoreContext(), { trigger: 'cli' });
const wallMs = performance.now() - started;
const oursCpuMs = processCpu() - cpu0;
const pgRestoreCpuMs = cpuMs(readFileSync('/proc/self/stat', 'utf8'), true) - children0;
const threads1 = threads();
clearInterval(sampler);
peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());
await services.coordinator.stop(0);
await pool.end();
const threadsCpuMs = Object.fromEntries(Object.keys(threads1).map((name) => [name, threads1[name] - (threads0[name] ?? 0)]));
const { bytes, verifyMs, restoreMs } = report;
process.stdout.write(`${JSON.stringify({ bytes, wallMs, verifyMs, restoreMs, oursCpuMs, pgRestoreCpuMs, threadsCpuMs, peakRssBytes, majorGcs })}\n`);
process.exit(0);
