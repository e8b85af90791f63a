/** Helpers the runner shares: databases it owns (dropped at the end), temp dirs, pg tool timing, object sizes. */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { EXCLUDED_SCHEMAS } from '../plugins/backup/dump/pg-dump';
import { childEnvironment, connectionArguments, type ConnectionTarget } from '../plugins/backup/dump/pg-tools';
import { NODE_FLAGS } from '../src/cli/node-flags';
import { adminQuery, dropDatabase, testServer, uniqueDatabaseName } from '../test/support/database';
import { compiledWorker } from './compiled-worker';
import type { WorkerRequest, WorkerResult } from './worker';

export const server = { host: testServer.host, port: testServer.port, user: testServer.user, password: testServer.password };

export function target(database: string): ConnectionTarget {
  return { ...server, database };
}

/** Everything the run created, removed in `cleanupAll` even when the run fails. */
const databases = new Set<string>();
const directories = new Set<string>();

export async function createDatabase(prefix: string): Promise<string> {
  const name = uniqueDatabaseName(`bench_${prefix}`);
  databases.add(name);
  await adminQuery(`CREATE DATABASE "${name}"`);
  return name;
}

export async function dropOwnedDatabase(name: string): Promise<void> {
  await dropDatabase(name);
  databases.delete(name);
}

export function openPool(database: string, max = 4): pg.Pool {
  const pool = new pg.Pool({ ...server, database, max });
  // A bench database is dropped WITH (FORCE) when done: an idle client it cuts must not end the run.
  pool.on('error', () => undefined);
  return pool;
}

export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `bench-${prefix}-`));
  directories.add(dir);
  return dir;
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  directories.delete(dir);
}

export async function cleanupAll(): Promise<void> {
  for (const dir of [...directories]) await removeDir(dir).catch(() => undefined);
  for (const name of [...databases]) {
    await dropOwnedDatabase(name).catch((error: Error) => console.error(`could not drop database ${name}: ${error.message}`));
  }
}

/** Runs a PostgreSQL client tool to completion, stdout to a file or /dev/null; resolves with its wall time in ms. */
export function timeTool(tool: 'pg_dump' | 'pg_restore', args: string[], database: string, stdoutFd?: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(tool, args, { env: childEnvironment(target(database)), stdio: ['ignore', stdoutFd ?? 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-4096)));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(performance.now() - started);
      else reject(new Error(`${tool} exited with ${code}: ${stderr.trim()}`));
    });
  });
}

/** `pg_dump -Fc -Z0` of `database` to /dev/null (the floor) or to a file. */
export function pgDumpArgs(database: string, file?: string): string[] {
  return [
    '--format=custom',
    '--compress=0',
    ...EXCLUDED_SCHEMAS.map((schema) => `--exclude-schema=${schema}`),
    ...connectionArguments(target(database)),
    ...(file ? ['--file', file] : []),
    '--dbname',
    database,
  ];
}

/** The same flags as the plugin's restore (plugins/backup/dump/pg-restore.ts), `-j jobs`. */
export function pgRestoreArgs(database: string, file: string, jobs: number): string[] {
  return [
    '--clean',
    '--if-exists',
    '--no-owner',
    '--no-privileges',
    '--exit-on-error',
    `--jobs=${jobs}`,
    ...connectionArguments(target(database)),
    '--dbname',
    database,
    file,
  ];
}

export const log = (text: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${text}`);

/** Runs bench/worker.ts, compiled (compiled-worker.ts), in a fresh plain Node process and returns its result. */
export async function runWorker(request: Omit<WorkerRequest, 'host' | 'port' | 'user' | 'password'>): Promise<WorkerResult> {
  const full: WorkerRequest = { ...request, ...server };
  const worker = await compiledWorker();
  return new Promise((resolve, reject) => {
    // With the options `cotton-backup` runs with: the figures are the product's.
    const child = spawn(process.execPath, [...NODE_FLAGS, worker, JSON.stringify(full)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, COTTON_LOG_LEVEL: 'silent' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-8192)));
    child.once('error', reject);
    child.once('close', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (code === 0 && line) resolve(JSON.parse(line.slice('RESULT '.length)) as WorkerResult);
      else reject(new Error(`worker ${request.op} exited with ${code}: ${stderr.trim() || stdout.trim()}`));
    });
  });
}

/** Path → size of every `*.ctn` object under a storage root (Cotton's layout, three levels deep). */
export async function objectSizes(root: string): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  const level = async (dir: string): Promise<string[]> =>
    (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory() && /^[0-9a-f]{2}$/.test(e.name)).map((e) => join(dir, e.name));
  for (const first of await level(root)) {
    for (const second of await level(first)) {
      for (const file of await readdir(second)) {
        if (file.endsWith('.ctn')) sizes.set(join(second, file), (await stat(join(second, file))).size);
      }
    }
  }
  return sizes;
}

export function totalSize(sizes: Map<string, number>): number {
  let sum = 0;
  for (const size of sizes.values()) sum += size;
  return sum;
}

/** Bytes of the objects in `after` that were not in `before` (what a backup added). */
export function newObjectBytes(before: Map<string, number>, after: Map<string, number>): { bytes: number; objects: number } {
  let bytes = 0;
  let objects = 0;
  for (const [path, size] of after) {
    if (!before.has(path)) {
      bytes += size;
      objects++;
    }
  }
  return { bytes, objects };
}
