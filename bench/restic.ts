/**
 * restic beside ours (issue 22): `pg_dump -Fc -Z0 | restic backup --stdin` into a fresh local
 * repository, and its restore, `restic dump` then `pg_restore -j N` with our restore's flags, each
 * into a fresh database. Measured only when `restic` is on the PATH; the suite installs nothing.
 */
import { execFile, spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { childEnvironment } from '../plugins/backup/dump/pg-tools';
import { childrenCpuMs } from './proc-cpu';
import { ratios, summarize, type Summary } from './stats';
import { createDatabase, dropOwnedDatabase, pgDumpArgs, pgRestoreArgs, removeDir, target, tempDir } from './tools';

export const RESTIC_ABSENT = 'restic not on PATH: apt-get install restic';

/** The pipelines as run (bash, so that the pipe is the shell's and `pipefail` reports pg_dump failing too). */
const BACKUP_SCRIPT = 'set -o pipefail; pg_dump "$@" | restic backup --stdin --stdin-filename database.dump --compression auto --quiet';
// pg_restore runs -j N only from a file ("parallel restore from standard input is not supported"), so the dump lands in one first, as ours does.
const RESTORE_SCRIPT = 'restic dump latest database.dump > "$BENCH_DUMP_FILE" && pg_restore "$@"';

export interface ResticFigures {
  available: true;
  /** `restic version`'s line. */
  version: string;
  jobs: number;
  /** restic's figures, per round; the ratios are ours ÷ restic's, paired by round. */
  backupMs: Summary;
  backupCpuMs: Summary;
  storedBytes: Summary;
  restoreMs: Summary;
  restoreCpuMs: Summary;
  ratio: { backup: Summary; backupCpu: Summary; stored: Summary; restore: Summary; restoreCpu: Summary };
  /** restic's backup ÷ the pg_dump -Fc -Z0 > /dev/null floor of the same round. */
  resticVsFloor: Summary;
}

export type ResticResult = ResticFigures | { available: false; reason: string };

/** Ours, per round, in the order the rounds ran (the ratios pair them with restic's). */
export interface OursPerRound {
  floorMs: number[];
  backupMs: number[];
  backupCpuMs: number[];
  storedBytes: number[];
  restoreMs: number[];
  restoreCpuMs: number[];
}

interface Timed {
  wallMs: number;
  cpuMs: number;
}

export function resticVersion(): Promise<string | undefined> {
  return new Promise((resolve) => execFile('restic', ['version'], (error, stdout) => resolve(error ? undefined : stdout.trim())));
}

/** Runs `script` in bash; wall time and the CPU of its whole process tree (every process reaped by the time bash is). */
function runScript(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const cpuBefore = childrenCpuMs();
    const started = performance.now();
    const child = spawn('bash', ['-c', script, 'bash', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-4096)));
    child.once('error', reject);
    child.once('close', (code) => {
      const wallMs = performance.now() - started;
      if (code === 0) resolve({ wallMs, cpuMs: childrenCpuMs() - cpuBefore });
      else reject(new Error(`${script.slice(0, 60)}… exited with ${code}: ${stderr.trim()}`));
    });
  });
}

/** Bytes of every file under `dir` (the repository as it sits on disk). */
export async function folderBytes(dir: string): Promise<number> {
  let sum = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    sum += entry.isDirectory() ? await folderBytes(path) : (await stat(path)).size;
  }
  return sum;
}

/** restic's rounds at one scale: each backup into a fresh repository, the restores from the last one. */
export class ResticSide {
  private readonly backups: (Timed & { storedBytes: number })[] = [];
  private readonly restores: Timed[] = [];
  /** The temp folder of the last backup: repository/ and cache/ (restic's cache, kept out of $HOME and of the stored bytes). */
  private kept = '';

  private constructor(readonly version: string) {}

  static async open(): Promise<ResticSide | undefined> {
    const version = await resticVersion();
    return version ? new ResticSide(version) : undefined;
  }

  private env(database: string, root: string): NodeJS.ProcessEnv {
    return {
      ...childEnvironment(target(database)),
      RESTIC_PASSWORD: 'bench-restic-password',
      RESTIC_REPOSITORY: join(root, 'repository'),
      RESTIC_CACHE_DIR: join(root, 'cache'),
    };
  }

  async backup(source: string): Promise<Timed & { storedBytes: number }> {
    const root = await tempDir('restic');
    const env = this.env(source, root);
    // Not counted: a repository is set up once, not per backup.
    await runScript('restic init --repository-version 2 --quiet', [], env);
    const timed = await runScript(BACKUP_SCRIPT, pgDumpArgs(source), env);
    const result = { ...timed, storedBytes: await folderBytes(join(root, 'repository')) };
    this.backups.push(result);
    if (this.kept) await removeDir(this.kept);
    this.kept = root;
    return result;
  }

  /** Into a fresh database, as ours and pg_restore are measured; the database's creation is not counted. */
  async restore(jobs: number): Promise<Timed> {
    const db = await createDatabase('rrs');
    const work = await tempDir('restic-restore');
    const file = join(work, 'database.dump');
    try {
      const timed = await runScript(RESTORE_SCRIPT, pgRestoreArgs(db, file, jobs), { ...this.env(db, this.kept), BENCH_DUMP_FILE: file });
      this.restores.push(timed);
      return timed;
    } finally {
      await removeDir(work);
      await dropOwnedDatabase(db);
    }
  }

  async close(): Promise<void> {
    if (this.kept) await removeDir(this.kept);
    this.kept = '';
  }

  result(ours: OursPerRound, jobs: number): ResticFigures {
    const backupMs = this.backups.map((b) => b.wallMs);
    const backupCpuMs = this.backups.map((b) => b.cpuMs);
    const storedBytes = this.backups.map((b) => b.storedBytes);
    const restoreMs = this.restores.map((r) => r.wallMs);
    const restoreCpuMs = this.restores.map((r) => r.cpuMs);
    return {
      available: true,
      version: this.version,
      jobs,
      backupMs: summarize(backupMs),
      backupCpuMs: summarize(backupCpuMs),
      storedBytes: summarize(storedBytes),
      restoreMs: summarize(restoreMs),
      restoreCpuMs: summarize(restoreCpuMs),
      ratio: {
        backup: ratios(ours.backupMs, backupMs),
        backupCpu: ratios(ours.backupCpuMs, backupCpuMs),
        stored: ratios(ours.storedBytes, storedBytes),
        restore: ratios(ours.restoreMs, restoreMs),
        restoreCpu: ratios(ours.restoreCpuMs, restoreCpuMs),
      },
      resticVsFloor: ratios(backupMs, ours.floorMs),
    };
  }
}
