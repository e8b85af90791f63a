/** A backup measured in a fresh process running compiled code, as the product runs (bench/backup-cpu-run.mjs). */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { MIGRATIONS_PATH } from '../plugins/backup/index';
import { NODE_FLAGS } from '../src/cli/node-flags';
import { runMigrations } from '../src/db/migrations/runner';
import { generateDataset } from './dataset';
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
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, join(import.meta.dirname, 'backup-cpu-run.mjs'), checkout, database, storageRoot], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += String(d)));
    child.stderr.on('data', (d: Buffer) => (err += String(d)));
    child.once('close', (code) => (code === 0 ? done(JSON.parse(out.trim().split('\n').pop()!) as BackupCpuRun) : fail(new Error(`run in ${checkout} exited ${code}: ${err.slice(-2000)}`))));
  });
}
