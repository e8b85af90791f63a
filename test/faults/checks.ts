import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { FilesystemStore } from '../../src/storage/filesystem/filesystem-store';
import { sweepStaleTempFiles } from '../../src/storage/filesystem/sweep-temp';
import { verifyChain } from '../../plugins/backup/events/verify-chain';
import { readManifest } from '../../plugins/backup/repository/manifest-store';
import { verifyBackup } from '../../plugins/backup/verify/verify-backup';
import { snapshotTables } from '../support/cotton-schema';
import { createTestDatabase, testServer } from '../support/database';
import type { FaultEnv } from './harness';

/** Collects every failed expectation of a scenario instead of stopping at the first. */
export class Checks {
  readonly failures: string[] = [];
  readonly notes: string[] = [];
  ok(condition: unknown, what: string): boolean {
    if (!condition) this.failures.push(what);
    return Boolean(condition);
  }
  note(text: string): void {
    this.notes.push(text);
  }
  throwIfFailed(): void {
    if (this.failures.length > 0) throw new Error(`${this.failures.length} check(s) failed:\n  - ${this.failures.join('\n  - ')}`);
  }
}

/** Restores the backup of `manifestKey` (every chunk read back through the pipeline) into a scratch database. */
export async function restoreSnapshot(f: FaultEnv, manifestKey: string): Promise<Record<string, string>> {
  const manifest = await readManifest(f.storage, manifestKey);
  const dir = await mkdtemp(join(tmpdir(), 'fault-restore-'));
  const file = join(dir, 'check.dump');
  const scratch = await createTestDatabase('fscratch');
  scratch.pool.on('error', () => undefined); // DROP … WITH (FORCE) may cut a client pool.end() is still closing
  try {
    const out = createWriteStream(file, { mode: 0o600 });
    await pipeline(async function* () {
      for (const chunk of manifest.chunks) yield* (await f.storage.read(chunk.storageKey)) as AsyncIterable<Buffer>;
    }, out);
    await promisify(execFile)('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', '-h', testServer.host, '-p', String(testServer.port), '-U', testServer.user, '-d', scratch.name, file]);
    return await snapshotTables(scratch.pool);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await scratch.drop();
  }
}

/**
 * The pointer names a complete manifest: every chunk present, decrypting, of the right size and
 * hash. `behind`: the backup index names a newer complete backup (a run killed after writing the
 * index, before the pointer), which verify must report.
 */
export async function checkPointerComplete(c: Checks, f: FaultEnv, options: { behind?: boolean } = {}): Promise<void> {
  const report = await verifyBackup(f.storage, f.masterEncryptionKey);
  const damage = report.problems.filter((p) => p.problem !== 'pointer_behind');
  c.ok(damage.length === 0, `the pointer's backup verifies (${damage.map((p) => `${p.key.slice(0, 12)} ${p.problem}`).join(', ')})`);
  const behind = report.problems.some((p) => p.problem === 'pointer_behind');
  c.ok(behind === Boolean(options.behind), options.behind ? 'verify reports the pointer behind the newer backup of the index' : 'verify finds the pointer current');
}

export async function tempFiles(f: FaultEnv): Promise<string[]> {
  return (await readdir(join(f.storageRoot, 'tmp')).catch(() => [] as string[])).filter((n) => n.endsWith('.tmp'));
}

/**
 * Leftover temp files of killed writes: the sweep a starting host runs must keep young ones (they
 * may be Cotton's, in flight) and anything not `*.tmp`, and remove the rest once older than an
 * hour. With `host`, the real `serve` does the sweep. Returns how many the crash left.
 */
export async function checkTempSweep(c: Checks, f: FaultEnv, host?: (f: FaultEnv) => Promise<void>): Promise<number> {
  const left = await tempFiles(f);
  const dir = join(f.storageRoot, 'tmp');
  const old = new Date(Date.now() - 2 * 3600_000);
  for (const name of left) await utimes(join(dir, name), old, old);
  await mkdir(dir, { recursive: true });
  const inFlight = join(dir, `cotton-in-flight.${Date.now()}.tmp`);
  const notOurs = join(dir, 'readme.txt');
  await writeFile(inFlight, 'a write in flight');
  await writeFile(notOurs, 'not a temp file');
  await utimes(notOurs, old, old);
  if (host) await host(f);
  else await sweepStaleTempFiles(f.storageRoot);
  const after = await readdir(dir);
  c.ok(after.length === 2 && after.includes(basename(inFlight)) && after.includes('readme.txt'), `the sweep removed the ${left.length} stale temp file(s) and kept a young one and a non-temp file (${after.join(', ')})`);
  await rm(inFlight);
  await rm(notOurs);
  return left.length;
}

/** Multipart uploads open in the scenario's bucket (what a writer killed mid-upload leaves). */
async function openUploads(f: FaultEnv): Promise<string[]> {
  const { server, bucket } = f.s3!;
  const settings = server.settings(bucket);
  const client = new S3Client({ endpoint: settings.endpoint, region: settings.region, forcePathStyle: true, credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } });
  try {
    const answer = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    return (answer.Uploads ?? []).map((u) => u.Key ?? '');
  } finally {
    client.destroy();
  }
}

/**
 * Nothing half-written is visible under a Cotton key: every object the storage lists reads back
 * whole through the pipeline (CTN2's authentication fails on a partial object).
 */
export async function checkEveryObjectWhole(c: Checks, f: FaultEnv): Promise<void> {
  const broken: string[] = [];
  let count = 0;
  for await (const key of f.storage.list()) {
    count++;
    try {
      for await (const _ of await f.storage.read(key)) void _;
    } catch (error) {
      broken.push(`${key.slice(0, 12)}: ${(error as Error).message.slice(0, 80)}`);
    }
  }
  c.ok(count > 0 && broken.length === 0, `every one of the ${count} stored objects reads back whole (${broken.join('; ')})`);
}

/**
 * The storage's leftovers of killed writes are swept by `host` (a starting host): temp files in
 * the folder (checkTempSweep), or on S3 open multipart uploads, and nothing half-written is
 * visible under a Cotton key. Returns how many leftovers the crash left.
 */
export async function checkStorageSweep(c: Checks, f: FaultEnv, host: (f: FaultEnv) => Promise<void>): Promise<number> {
  if (!f.s3) {
    const left = await checkTempSweep(c, f, host);
    await checkEveryObjectWhole(c, f);
    return left;
  }
  const uploads = await openUploads(f).catch((error: Error) => {
    c.note(`the S3 server cannot list multipart uploads (${error.name}): the sweep is not observable here`);
    return [];
  });
  await host(f);
  let inFolder = 0;
  for await (const _ of new FilesystemStore(f.storageRoot).list()) inFolder++;
  c.ok(inFolder === 0, `the backups went to the bucket, not the folder (${inFolder} object(s) in the folder)`);
  // Young uploads may be another writer's, in flight: only those older than the backend's limit go.
  if (uploads.length > 0) c.note(`${uploads.length} multipart upload(s) left by the kill; the next host start keeps them until they are stale`);
  await checkEveryObjectWhole(c, f);
  return uploads.length;
}

export async function checkNothingRunning(c: Checks, f: FaultEnv): Promise<void> {
  const { rows } = await f.db.pool.query("SELECT backup_id FROM cotton_backup.backup_history WHERE status = 'running'");
  c.ok(rows.length === 0, `no backup stays "running" (${rows.map((r) => r.backup_id).join(', ')})`);
}

export async function checkEventChain(c: Checks, f: FaultEnv): Promise<void> {
  const result = await verifyChain(f.db.pool);
  c.ok(result.ok && result.checked > 0, `the event hash chain holds (${result.firstBroken?.detail ?? `${result.checked} events`})`);
}

async function* walk(dir: string, depth: number): AsyncGenerator<string> {
  if (depth < 0) return;
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p, depth - 1);
    else if (e.isFile()) yield p;
  }
}

/** Files holding the seeded marker in clear: plaintext of a dump left behind. */
export async function plaintextFiles(f: FaultEnv): Promise<string[]> {
  const found: string[] = [];
  const roots: Array<[string, number]> = [[f.storageRoot, 4], [f.dataPath, 4], [tmpdir(), 3]];
  for (const [dir, depth] of roots) {
    for await (const path of walk(dir, depth)) {
      if (path === f.shimLog) continue;
      const s = await stat(path).catch(() => undefined);
      if (!s || s.size > 64 * 1024 * 1024 || s.mtimeMs < f.startedAt - 1000) continue;
      const bytes = await readFile(path).catch(() => undefined);
      if (bytes?.includes(f.marker)) found.push(path);
    }
  }
  return found;
}

/** One pg_dump/pg_restore run as its shim logged it: argv, and the names of its environment variables. */
export interface ToolCall {
  tool: string;
  argv: string;
  /** `--version` probes get no connection, hence no password. */
  versionProbe: boolean;
  /** Undefined when the shim logged no environment line for it. */
  env?: string[];
}

export async function toolCalls(f: FaultEnv): Promise<ToolCall[]> {
  const lines = (await readFile(f.shimLog, 'utf8').catch(() => '')).split('\n');
  return lines
    .filter((line) => line.startsWith('ARGV '))
    .map((line) => {
      const [argv, env] = line.slice(5).split('\tENV ');
      const words = argv!.split(' ');
      return { tool: words[0]!, argv: argv!, versionProbe: words[1] === '--version', env: env?.trim().split(' ') };
    });
}

const SECRET_VARIABLES = ['COTTON_MASTER_KEY', 'COTTON_PG_PASSWORD', 'COTTON_ADMIN_TOKEN'];
/** What a tool's environment may hold (an allow-list: AWS_* of the copy targets, or anything else, is not on it). */
const TOOL_VARIABLES = new Set(['PATH', 'HOME', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR', 'LD_LIBRARY_PATH', 'PGPASSWORD', 'PGCONNECT_TIMEOUT']);

/**
 * What every pg_dump/pg_restore child got (shim log): only allowed variables (no COTTON_* secret), and the
 * password through PGPASSWORD whenever one is configured. Each tool in `expected` must have run
 * through the shim: a log with nothing to check is a failure, not a pass.
 */
export async function checkToolEnvironment(c: Checks, f: FaultEnv, expected: readonly string[] = ['pg_dump']): Promise<void> {
  const calls = await toolCalls(f);
  for (const tool of expected) c.ok(calls.some((x) => x.tool === tool && !x.versionProbe && x.env), `${tool} ran through the logging shim, its environment logged`);
  const password = f.env.COTTON_PG_PASSWORD;
  for (const call of calls) {
    const what = call.argv.slice(0, 60);
    if (!c.ok(call.env, `${what}: its environment is logged`)) continue;
    for (const name of SECRET_VARIABLES) c.ok(!call.env!.includes(name), `${what}: no ${name} in its environment`);
    const foreign = call.env!.filter((name) => !TOOL_VARIABLES.has(name) && !name.startsWith('LC_'));
    c.ok(foreign.length === 0, `${what}: only the variables a PostgreSQL tool needs in its environment${foreign.length ? ` (also ${foreign.join(', ')})` : ''}`);
    if (password && !call.versionProbe) c.ok(call.env!.includes('PGPASSWORD'), `${what}: the password reaches it through PGPASSWORD`);
  }
}

/**
 * No secret in any child's argv (shim log), output, event, or error message; the password only
 * through PGPASSWORD (checkToolEnvironment); no plaintext dump on disk.
 */
export async function checkNoLeaks(c: Checks, f: FaultEnv, extraTexts: string[] = [], tools: readonly string[] = ['pg_dump']): Promise<void> {
  const secrets = Object.entries(f.secrets);
  const argv = (await toolCalls(f)).map((x) => x.argv).join('\n');
  const { rows } = await f.db.pool.query('SELECT data::text || metadata::text AS t FROM cotton_backup.events').catch(() => ({ rows: [] as { t: string }[] }));
  const events = rows.map((r) => r.t).join('\n');
  const history = await f.db.pool
    .query("SELECT coalesce(string_agg(coalesce(failure_message, ''), E'\\n'), '') AS t FROM cotton_backup.backup_history")
    .then((r) => r.rows[0].t as string, () => '');
  const texts: Record<string, string> = { argv, output: f.outputs.join('\n'), events, history, other: extraTexts.join('\n') };
  for (const [name, value] of secrets) {
    for (const [where, text] of Object.entries(texts)) c.ok(!text.includes(value), `the ${name} does not appear in ${where}`);
  }
  await checkToolEnvironment(c, f, tools);
  const plain = await plaintextFiles(f);
  c.ok(plain.length === 0, `no plaintext dump remains on disk (${plain.join(', ')})`);
}

/** A pg client on the scenario's database that can outlive a PostgreSQL restart (its own connection). */
export function client(f: FaultEnv): pg.Client {
  return new pg.Client({ ...testServer, database: f.db.name });
}

export const checks = (): Checks => new Checks();
