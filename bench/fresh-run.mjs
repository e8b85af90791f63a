// What bench/backup-cpu-run.mjs and bench/restore-run.mjs share: a checkout's compiled modules,
// its configuration for the bench's key and database, and CPU from the kernel's accounting.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

/** One key for every A/B bench: a backup made by one build restores with the other. */
const KEY = 'bench-cpu-ab-master-key-01234567';

/** A module of `checkout`'s dist/ (e.g. 'src/config/config.js'). */
export const fromCheckout = (checkout, path) => import(pathToFileURL(join(checkout, 'dist', path)).href);

/** The checkout's storage, pool and backup services over `database`, as the host wires them. */
export async function openCheckout(checkout, { database, storageRoot, dataPath }) {
  const { default: pg } = await import(pathToFileURL(join(checkout, 'node_modules/pg/lib/index.js')).href);
  const { loadConfig } = await fromCheckout(checkout, 'src/config/config.js');
  const { deriveMasterEncryptionKey } = await fromCheckout(checkout, 'src/keys/keys.js');
  const { createStorage } = await fromCheckout(checkout, 'src/storage/open/create-storage.js').catch(() => fromCheckout(checkout, 'src/storage/create-storage.js'));
  const { createBackupServices } = await fromCheckout(checkout, 'plugins/backup/runtime/services.js').catch(() => fromCheckout(checkout, 'plugins/backup/services.js'));
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
  const close = async () => {
    await services.coordinator.stop(0);
    await pool.end();
  };
  return { services, close };
}

// utime + stime in ms from a /proc stat line (fields after the command name); children: cutime + cstime.
export const cpuMs = (stat, children = false) => {
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  const at = children ? 13 : 11;
  return (Number(fields[at]) + Number(fields[at + 1])) * 10;
};

/** CPU of this process's reaped children (pg_dump, pg_restore), ms. */
export const childrenCpuMs = () => cpuMs(readFileSync('/proc/self/stat', 'utf8'), true);

/** CPU ms of this process's threads by name. */
export const threads = () => {
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

/** Per thread name, what `after` adds to `before`. */
export const threadsSince = (before, after) => Object.fromEntries(Object.keys(after).map((name) => [name, after[name] - (before[name] ?? 0)]));

export const processCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Counts major (mark-compact) GCs from now on: read `.count`. */
export function countMajorGcs() {
  const counter = { count: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (entry.detail?.kind === 4) counter.count++;
  }).observe({ entryTypes: ['gc'] });
  return counter;
}
