import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { deriveMasterEncryptionKey, pointerStorageKey } from '../keys/keys';
import { createStorage } from '../storage/open/create-storage';
import { FilesystemStore, objectPath } from '../storage/filesystem/filesystem-store';
import { storageIdentityHandle } from '../storage/identity/storage-identity-handle';
import { NODE_FLAGS } from './node-flags';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(repo, 'bin/cotton-backup.js');
const fixtures = join(repo, 'test/host/fixtures');
const MASTER_KEY = 'cli-spec-master-key-0123456789ab';

let db: TestDatabase;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase('cli');
  dir = await mkdtemp(join(tmpdir(), 'cotton-cli-'));
});

afterAll(async () => {
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

function baseEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...db.env,
    COTTON_MASTER_KEY: MASTER_KEY,
    COTTON_DATA_PATH: join(dir, 'data'),
    COTTON_STORAGE_PATH: join(dir, 'files'),
    COTTON_PLUGINS_PATH: join(fixtures, 'plugins'),
    COTTON_HTTP_PORT: '0',
    COTTON_LOG_LEVEL: 'info',
    ...extra,
  };
}

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

function cli(args: string[], env = baseEnv(), nodeFlags: readonly string[] = []): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, bin, ...args], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += String(c)));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out), stderr: err }));
  });
}

describe('cotton-backup serve', () => {
  it('serves, then stops gracefully on SIGTERM with exit code 0', async () => {
    // Started as `npm start` starts it.
    const child = spawn(process.execPath, [...NODE_FLAGS, bin, 'serve'], { cwd: repo, env: baseEnv({ COTTON_ADMIN_TOKEN: 'serve-spec-admin-token-123456' }), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    );
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start:\n${stderr}`)), 60_000);
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += String(chunk);
        for (const line of stderr.split('\n')) {
          if (!line.includes('host serving')) continue;
          clearTimeout(timer);
          resolve((JSON.parse(line) as { url: string }).url);
        }
      });
      child.on('close', () => reject(new Error(`serve exited early:\n${stderr}`)));
    });
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });

    child.kill('SIGTERM');
    const { code, signal } = await exited;
    expect(signal).toBeNull();
    expect(code).toBe(0);
    expect(stderr).toContain('host stopped');
    expect(stderr).not.toContain('started without the options of `npm start`');
    expect(stderr).not.toContain('COTTON_ADMIN_TOKEN is not set');
    expect(stderr).not.toContain(MASTER_KEY);
    expect(stderr).not.toContain('serve-spec-admin-token-123456');
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });

  it('exits non-zero with the message when a startup hook fails, and never serves', async () => {
    const result = await cli(['serve'], baseEnv({ COTTON_PLUGINS_PATH: join(fixtures, 'failing-plugins') }));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cotton-backup: plugin broken: startupRestore failed: restore source unreadable/);
    expect(result.stderr).not.toContain('host serving');
    // Started as `node bin/cotton-backup.js serve`, without the shebang's options: it says so.
    const warning = result.stderr.split('\n').find((line) => line.includes('started without the options of `npm start`'));
    expect(JSON.parse(warning!)).toMatchObject({ missing: [...NODE_FLAGS] });
  });
});

describe("an operator's mistake at serve", () => {
  // Started as `npm start` starts it, so that no warning about node's options is among the lines.
  const serve = (extra: Record<string, string>) => cli(['serve'], baseEnv(extra), NODE_FLAGS);

  it('a bad variable: one line on stderr naming it, exit 1', async () => {
    const result = await serve({ COTTON_LOG_FORMAT: 'pretty' });
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^cotton-backup: invalid configuration: COTTON_LOG_FORMAT: .*json.*text/)]);
  });

  it('an unreachable database: one line on stderr, no stack, no second copy of the message, exit 1', async () => {
    const result = await serve({ COTTON_PG_PORT: '1' });
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^cotton-backup: cannot connect to PostgreSQL .*:1\/.*check COTTON_PG_HOST/)]);
  });

  it("a command's unreachable database reads the same: where it tried and which variables to check", async () => {
    const backupCli = (args: string[], extra: Record<string, string>) => cli(args, baseEnv({ COTTON_PLUGINS_PATH: join(repo, 'plugins'), ...extra }));
    const port = await backupCli(['list'], { COTTON_PG_PORT: '1' });
    expect(port.code).toBe(1);
    expect(port.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^cotton-backup: cannot connect to PostgreSQL postgres@.*:1\/.*ECONNREFUSED.*\(check COTTON_PG_HOST, COTTON_PG_PORT/)]);
    const user = await backupCli(['latest', '--json'], { COTTON_PG_USERNAME: 'no_such_role_x' });
    expect(JSON.parse(user.stderr).error.message).toMatch(/^cannot connect to PostgreSQL no_such_role_x@.*: role "no_such_role_x" does not exist \(check /);
    // A failed query is not a connection problem: it is not dressed up as one.
    const storage = await backupCli(['latest'], { COTTON_STORAGE_PATH: join(dir, 'no-such-root') });
    expect(storage.stderr).toMatch(/storage root .*no-such-root is not usable/);
    expect(storage.stderr).not.toContain('cannot connect to PostgreSQL');
  });

  it("COTTON_LOG_FORMAT=text: every log line an ISO time and a level name; the start failure's own line only at debug", async () => {
    const result = await serve({ COTTON_PG_PORT: '1', COTTON_LOG_FORMAT: 'text', COTTON_LOG_LEVEL: 'debug' });
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^cotton-backup: cannot connect to PostgreSQL/);
    const logs = lines.slice(0, -1);
    expect(logs.length).toBeGreaterThan(0);
    for (const line of logs) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (TRACE|DEBUG|INFO |WARN |ERROR|FATAL) \S/);
    expect(logs.find((l) => l.includes('host failed to start'))).toMatch(/ DEBUG host failed to start.* err="cannot connect to PostgreSQL/);
  });
});

describe('cotton-backup storage', () => {
  it('puts a file under the SHA-256 of its content, lists it, and gets it back byte for byte', async () => {
    const content = Buffer.concat([randomBytes(3 * 1024 * 1024 + 17), Buffer.alloc(1024 * 1024, 7)]);
    const file = join(dir, 'input.bin');
    await writeFile(file, content);
    const expectedKey = createHash('sha256').update(content).digest('hex');

    const put = await cli(['storage', 'put', file]);
    expect(put.stderr).toBe('');
    expect(put.code).toBe(0);
    expect(put.stdout.toString()).toBe(`${expectedKey}\n`);

    const again = await cli(['storage', 'put', file]);
    expect(again.stdout.toString()).toBe(`${expectedKey}\n`);

    const ls = await cli(['storage', 'ls']);
    expect(ls.code).toBe(0);
    expect(ls.stdout.toString().trim().split('\n')).toEqual([expectedKey]);
    // --json: each key with its stored size, the container file's bytes on disk (not the plaintext's).
    const lsJson = await cli(['storage', 'ls', '--json']);
    expect(lsJson.code, lsJson.stderr).toBe(0);
    const onDisk = (await stat(objectPath(join(dir, 'files'), expectedKey))).size;
    expect(onDisk).not.toBe(content.length);
    expect(JSON.parse(lsJson.stdout.toString())).toEqual([{ key: expectedKey, bytes: onDisk }]);

    const get = await cli(['storage', 'get', expectedKey]);
    expect(get.code).toBe(0);
    expect(get.stdout.equals(content)).toBe(true);

    const wrongKey = await cli(['storage', 'get', expectedKey], baseEnv({ COTTON_MASTER_KEY: 'another-master-key-0123456789abc' }));
    expect(wrongKey.code).not.toBe(0);
    expect(wrongKey.stdout.length).toBe(0);
    expect(wrongKey.stderr.trim().split('\n').filter((l) => l.startsWith('cotton-backup:'))).toHaveLength(1);
  });

  /** The CLI's stdout into `| head …`; resolves with the CLI's own exit code and stderr. */
  function cliIntoHead(args: string[], head: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
    const script = `"$0" "$1" ${args.join(' ')} | ${head} >/dev/null; exit \${PIPESTATUS[0]}`;
    return new Promise((resolve, reject) => {
      const child = spawn('bash', ['-c', script, process.execPath, bin], { cwd: repo, env, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += String(c)));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr: err }));
    });
  }

  it('stops quietly when the reader goes away (`storage ls | head -1`, `storage get | head -c 10`)', async () => {
    const root = join(dir, 'many');
    // Empty files are no CTN2 objects: the storage's identity record proves the key instead (storage/identity).
    await mkdir(root, { recursive: true });
    await storageIdentityHandle(new FilesystemStore(root), deriveMasterEncryptionKey(MASTER_KEY)).create(new Date());
    // More keys than a pipe holds (64 KiB): ls is still writing when head exits. list() reads names only.
    for (const prefix of ['aa/bb', 'cc/dd']) {
      await mkdir(join(root, prefix), { recursive: true });
      for (let i = 0; i < 800; i++) await writeFile(join(root, prefix, `${i.toString(16).padStart(60, '0')}.ctn`), '');
    }
    const big = join(dir, 'big.bin');
    await writeFile(big, randomBytes(4 * 1024 * 1024));
    const put = await cli(['storage', 'put', big], baseEnv({ COTTON_STORAGE_PATH: root }));
    const env = baseEnv({ COTTON_STORAGE_PATH: root });

    const ls = await cliIntoHead(['storage', 'ls'], 'head -1', env);
    expect(ls).toEqual({ code: 0, stderr: '' });
    const get = await cliIntoHead(['storage', 'get', put.stdout.toString().trim()], 'head -c 10', env);
    expect(get).toEqual({ code: 0, stderr: '' });
  });

  it('fails `storage get` at the end when the content does not match its key (swapped objects)', async () => {
    const root = join(dir, 'swapped');
    const env = baseEnv({ COTTON_STORAGE_PATH: root });
    const [a, b] = [Buffer.from('object A: the one asked for\n'), Buffer.from('object B: what its file now holds\n')];
    const keys: string[] = [];
    for (const [name, content] of [['a.txt', a], ['b.txt', b]] as const) {
      await writeFile(join(dir, name), content);
      keys.push((await cli(['storage', 'put', join(dir, name)], env)).stdout.toString().trim());
    }
    const [pathA, pathB] = keys.map((k) => objectPath(root, k));
    await rename(pathA!, `${pathA}.swap`);
    await rename(pathB!, pathA!);
    await rename(`${pathA}.swap`, pathB!);

    const got = await cli(['storage', 'get', keys[0]!], env);
    expect(got.stdout.equals(b)).toBe(true); // streamed before the end told
    expect(got.code).toBe(1);
    const actual = createHash('sha256').update(b).digest('hex');
    expect(got.stderr).toBe(
      `cotton-backup: object ${keys[0]} does not hold its content: the bytes written hash to ${actual}, not to the key. ` +
        'The object file was damaged or swapped; do not use the output.\n',
    );
  });

  it('accepts an object keyed by name from the master key (the pointer), not by content', async () => {
    const root = join(dir, 'named');
    const mek = deriveMasterEncryptionKey(MASTER_KEY);
    const pointer = Buffer.from(JSON.stringify({ schemaVersion: 1, logicalKey: 'database.ctn', latestManifestStorageKey: 'f'.repeat(64) }));
    await createStorage({ root, masterEncryptionKey: mek }).write(pointerStorageKey(mek), pointer, { overwrite: true });
    const got = await cli(['storage', 'get', pointerStorageKey(mek)], baseEnv({ COTTON_STORAGE_PATH: root }));
    expect(got.stderr).toBe('');
    expect(got.code).toBe(0);
    expect(got.stdout.equals(pointer)).toBe(true);

    // Another named object in the pointer's place names a key of its own: a mismatch.
    const index = Buffer.from(JSON.stringify({ schemaVersion: 1, logicalKey: 'database.ctn.index', manifests: [] }));
    await createStorage({ root, masterEncryptionKey: mek }).write(pointerStorageKey(mek), index, { overwrite: true });
    const swapped = await cli(['storage', 'get', pointerStorageKey(mek)], baseEnv({ COTTON_STORAGE_PATH: root }));
    expect(swapped.code).toBe(1);
    expect(swapped.stderr).toMatch(/does not hold its content/);
  });

  it('fails with one line for a missing object or file', async () => {
    const missing = await cli(['storage', 'get', 'a'.repeat(64)]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^cotton-backup: no object with key a{64}/);
    const noFile = await cli(['storage', 'put', join(dir, 'nope.bin')]);
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toMatch(/^cotton-backup: cannot read .*nope.bin: no such file/);
  });
});
