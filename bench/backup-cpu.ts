/** A backup measured in a fresh process running compiled code, as the product runs (bench/backup-cpu-run.mjs). */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

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
    const child = spawn(process.execPath, [join(import.meta.dirname, 'backup-cpu-run.mjs'), checkout, database, storageRoot], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += String(d)));
    child.stderr.on('data', (d: Buffer) => (err += String(d)));
    child.once('close', (code) => (code === 0 ? done(JSON.parse(out.trim().split('\n').pop()!) as BackupCpuRun) : fail(new Error(`run in ${checkout} exited ${code}: ${err.slice(-2000)}`))));
  });
}
