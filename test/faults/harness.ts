import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../../src/cli/node-flags';
import { deriveMasterEncryptionKey, pointerStorageKey } from '../../src/keys/keys';
import type { StorageBackend } from '../../src/storage/backend/storage-backend';
import { FilesystemStore } from '../../src/storage/filesystem/filesystem-store';
import type { ObjectStorage } from '../../src/storage/object-storage';
import { createPipelineStorage } from '../../src/storage/pipeline/pipeline';
import { S3Backend } from '../../src/storage/s3/s3-backend';
import { readPointer } from '../../plugins/backup/repository/manifest-store';
import { seedCottonDatabase } from '../support/cotton-schema';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startS3Server, TEST_S3_ACCESS_KEY_ID, TEST_S3_SECRET, type TestS3Server } from '../support/s3-server';

export const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const SMALL_CHUNKS = { COTTON_CHUNK_MIN_BYTES: '16384', COTTON_CHUNK_AVG_BYTES: '65536', COTTON_CHUNK_MAX_BYTES: '262144' };

/** One isolated deployment: its own database, storage root, data folder, secrets and tool shims. */
export interface FaultEnv {
  db: TestDatabase;
  root: string;
  storageRoot: string;
  dataPath: string;
  /** COTTON_* variables of every child. */
  env: Record<string, string>;
  secrets: { masterKey: string; password: string; adminToken: string };
  /** A username seeded into the data: found in a file = plaintext of the dump left on disk. */
  marker: string;
  /** pg_dump/pg_restore shims log their argv and env-var names here, one line per call. */
  shimLog: string;
  shimDir: string;
  /** The pipeline over the deployment's primary storage: the folder, or the bucket with `s3`. */
  storage: ObjectStorage;
  /** The raw backend under it (container bytes), to damage objects the way an attacker would. */
  backend: StorageBackend;
  /** With `s3`: the test S3 server (its own, stopped by cleanup) and the primary storage's bucket. */
  s3?: { server: TestS3Server; bucket: string; s3Backend: S3Backend };
  masterEncryptionKey: Buffer;
  /** stdout+stderr of every child, for the leak checks. */
  outputs: string[];
  startedAt: number;
  cleanup(): Promise<void>;
}

const hex = (n: number) => randomBytes(n).toString('hex');

/**
 * pg_dump/pg_restore shims: log argv + env names, then run the real tool, optionally slowed
 * down (FAULT_SHIM_DELAY holds pg_dump's output back, FAULT_SHIM_RESTORE_DELAY pg_restore's
 * start). With FAULT_SHIM_FAIL set on the process that runs the tool, the tool fails instead,
 * its error echoing that text and the password it was given, as a real tool's message can
 * (authentication, connection strings).
 */
async function writeShims(dir: string, log: string): Promise<void> {
  for (const tool of ['pg_dump', 'pg_restore']) {
    const real = execFileSync('sh', ['-c', `command -v ${tool}`]).toString().trim(); // our PATH has no shims
    const script = `#!/bin/bash
set -o pipefail
# One line, written at once, per call: tools running at the same time never interleave ('%q' leaves no tab).
# The names the tool was given (its initial environment: not the ones bash adds itself).
entry="$(printf 'ARGV %s' "${tool}"; printf ' %q' "$@"; printf '\\tENV %s' "$(tr '\\0' '\\n' < /proc/$$/environ | cut -d= -f1 | sort | tr '\\n' ' ')")"
printf '%s\\n' "$entry" >> "${log}"
# The tool's environment is an allow-list: the fault controls are read from the calling process's.
control() { tr '\\0' '\\n' < "/proc/$PPID/environ" 2>/dev/null | sed -n "s/^$1=//p" | head -n 1; }
FAULT_SHIM_FAIL="$(control FAULT_SHIM_FAIL)"
FAULT_SHIM_DELAY="$(control FAULT_SHIM_DELAY)"
FAULT_SHIM_RESTORE_DELAY="$(control FAULT_SHIM_RESTORE_DELAY)"
if [ -n "$FAULT_SHIM_FAIL" ] && [ "$1" != --version ]; then
  printf '%s: error: %s (password "%s")\\n' "${tool}" "$FAULT_SHIM_FAIL" "$PGPASSWORD" >&2
  exit 1
fi
if [ -n "$FAULT_SHIM_DELAY" ] && [ "${tool}" = pg_dump ] && [ "$1" != --version ]; then
  "${real}" "$@" | { sleep "$FAULT_SHIM_DELAY"; cat; }
  exit $?
fi
if [ -n "$FAULT_SHIM_RESTORE_DELAY" ] && [ "${tool}" = pg_restore ] && [ "$1" != --version ]; then
  sleep "$FAULT_SHIM_RESTORE_DELAY"
fi
exec "${real}" "$@"
`;
    await writeFile(join(dir, tool), script);
    await chmod(join(dir, tool), 0o755);
  }
}

/** `s3`: the primary storage is a bucket on a test S3 server of its own (s3rver on 127.0.0.1), not the folder. */
export async function createFaultEnv(prefix: string, options: { seed?: boolean; env?: Record<string, string>; s3?: boolean } = {}): Promise<FaultEnv> {
  const db = await createTestDatabase(prefix);
  db.pool.on('error', () => undefined); // idle clients cut by a PostgreSQL restart: the next query reconnects
  const root = await mkdtemp(join(tmpdir(), `${prefix}-`));
  const storageRoot = join(root, 'files');
  const dataPath = join(root, 'data');
  const shimDir = join(root, 'shims');
  await mkdir(shimDir);
  const shimLog = join(root, 'shim.log');
  await writeShims(shimDir, shimLog);
  const secrets = { masterKey: `mk${hex(15)}`, password: `pgpw-${hex(12)}`, adminToken: `admintok-${hex(12)}` };
  const marker = `faultmarker${hex(8)}`;
  const env: Record<string, string> = {
    ...db.env,
    COTTON_PG_PASSWORD: secrets.password, // trust authentication ignores it: it only has to never leak
    COTTON_MASTER_KEY: secrets.masterKey,
    COTTON_ADMIN_TOKEN: secrets.adminToken,
    COTTON_STORAGE_PATH: storageRoot,
    COTTON_DATA_PATH: dataPath,
    COTTON_HTTP_PORT: '0',
    COTTON_LOG_LEVEL: 'info',
    COTTON_BACKUP_STAGGER_MS: '0',
    COTTON_UPLOAD_CONCURRENCY: '2',
    ...SMALL_CHUNKS,
    ...options.env,
  };
  if (options.seed !== false) {
    await seedCottonDatabase(db.pool);
    await db.pool.query("INSERT INTO users (id, username, role) VALUES (gen_random_uuid(), $1, 1)", [marker]);
  }
  const masterEncryptionKey = deriveMasterEncryptionKey(secrets.masterKey);
  let s3: FaultEnv['s3'];
  if (options.s3) {
    const server = await startS3Server();
    const bucket = await server.createBucket(prefix);
    s3 = { server, bucket, s3Backend: new S3Backend(server.settings(bucket)) };
    Object.assign(env, {
      COTTON_STORAGE_S3_ENDPOINT: server.endpoint,
      COTTON_STORAGE_S3_REGION: 'us-east-1',
      COTTON_STORAGE_S3_BUCKET: bucket,
      COTTON_STORAGE_S3_ACCESS_KEY_ID: TEST_S3_ACCESS_KEY_ID,
      COTTON_STORAGE_S3_SECRET_ACCESS_KEY: TEST_S3_SECRET,
    });
  }
  const backend: StorageBackend = s3?.s3Backend ?? new FilesystemStore(storageRoot);
  const storage = createPipelineStorage(backend, { masterEncryptionKey });
  return {
    db, root, storageRoot, dataPath, env, secrets, marker, shimLog, shimDir, storage, backend, s3, masterEncryptionKey,
    outputs: [],
    startedAt: Date.now(),
    async cleanup() {
      await db.drop();
      await rm(root, { recursive: true, force: true });
      if (s3) {
        await s3.s3Backend.close();
        await s3.server.stop();
      }
    },
  };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  failpoints?: string;
  env?: Record<string, string>;
  /** Polled every 10 ms; when it returns true the whole process group is killed (-9): a power cut. */
  killWhen?: () => Promise<boolean>;
  timeoutMs?: number;
}

function childEnv(f: FaultEnv, options: SpawnOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('COTTON_') && !k.startsWith('VITEST')) env[k] = v;
  return {
    ...env,
    ...f.env,
    ...options.env,
    PATH: `${f.shimDir}:${process.env.PATH}`,
    ...(options.failpoints ? { COTTON_FAILPOINTS: options.failpoints } : {}),
  };
}

export interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  done: Promise<CliResult>;
  /** Resolves when stderr matches (or rejects when the child ends first). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  killGroup(signal?: NodeJS.Signals): void;
}

/** `node <NODE_FLAGS> bin/cotton-backup.js <args>` (as its shebang runs it) in its own process group. */
export function spawnCli(f: FaultEnv, args: string[], options: SpawnOptions = {}): Running {
  const child = spawn(process.execPath, [...NODE_FLAGS, join(REPO, 'bin/cotton-backup.js'), ...args], {
    cwd: REPO,
    env: childEnv(f, options),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const killGroup = (signal: NodeJS.Signals = 'SIGKILL') => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  let polling = true;
  if (options.killWhen) {
    const check = options.killWhen;
    void (async () => {
      while (polling) {
        if (await check().catch(() => false)) return killGroup();
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
  }
  const timer = setTimeout(() => killGroup(), options.timeoutMs ?? 120_000);
  const done = new Promise<CliResult>((resolveDone) => {
    child.once('close', (code, signal) => {
      polling = false;
      clearTimeout(timer);
      killGroup(); // a power cut takes pg_dump/pg_restore with it
      f.outputs.push(out, err);
      resolveDone({ code, signal, stdout: out, stderr: err });
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    done,
    killGroup,
    async waitFor(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      let ended = false;
      void done.then(() => (ended = true));
      while (!pattern.test(err)) {
        if (ended) throw new Error(`the child ended before ${pattern}: ${err.slice(-2000)}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}

export function cli(f: FaultEnv, args: string[], options: SpawnOptions = {}): Promise<CliResult> {
  return spawnCli(f, args, options).done;
}

export async function currentPointer(f: FaultEnv): Promise<string | undefined> {
  return (await readPointer(f.storage, pointerStorageKey(f.masterEncryptionKey)))?.latestManifestStorageKey;
}

export async function backupStatuses(f: FaultEnv): Promise<Array<{ backup_id: string; status: string; failed_step: string | null }>> {
  const { rows } = await f.db.pool.query('SELECT backup_id, status, failed_step FROM cotton_backup.backup_history ORDER BY started_at');
  return rows;
}
