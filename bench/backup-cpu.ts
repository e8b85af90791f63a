/** A backup measured in a fresh process running compiled code, as the product runs (bench/backup-cpu-run.mjs). */
import { MIGRATIONS_PATH } from '../plugins/backup/index';
import { runMigrations } from '../src/db/migrations/runner';
import { generateDataset } from './dataset';
import { runScript } from './run-script';
import { SCALES, type Scale } from './scales';
import { createDatabase, openPool } from './tools';

/** A bench_* database (dropped by cleanupAll) with the plugin's schema and the scale's dataset. */
export async function datasetDatabase(prefix: string, scaleName: string): Promise<{ scale: Scale; database: string }> {
  const scale = SCALES[scaleName];
  if (!scale) throw new Error(`unknown scale ${scaleName}; known: ${Object.keys(SCALES).join(', ')}`);
  const database = await createDatabase(`${prefix}_${scale.name.toLowerCase().replace(/\W/g, '')}`);
  const pool = openPool(database, 2);
  try {
    await runMigrations(pool, [{ plugin: 'backup', path: MIGRATIONS_PATH }]);
    await generateDataset(pool, scale.files);
  } finally {
    await pool.end();
  }
  return { scale, database };
}

/** What bench/backup-cpu-run.mjs reports for one backup. */
export interface BackupCpuRun {
  dumpBytes: number;
  wallMs: number;
  oursCpuMs: number;
  pgDumpCpuMs: number;
  threadsCpuMs: Record<string, number>;
  majorGcs: number;
}

/** One backup with `checkout`'s compiled code (its dist/) in a fresh plain-Node process. */
export function backupOnce(checkout: string, database: string, storageRoot: string): Promise<BackupCpuRun> {
  return runScript<BackupCpuRun>('backup-cpu-run.mjs', [checkout, database, storageRoot], `run in ${checkout}`);
}
