import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { NODE_FLAGS } from './node-flags';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(repo, 'bin/cotton-backup.js');
const tracer = join(repo, 'test/support/trace-modules.mjs');
const dir = mkdtempSync(join(tmpdir(), 'cotton-bin-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the bin with the default plugins; returns its output and every module it loaded. */
function run(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const trace = join(dir, `trace-${args.join('-')}-${Object.keys(extraEnv).join('-')}.txt`);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TRACE_MODULES_TO: trace, ...extraEnv };
  const result = spawnSync(process.execPath, ['--import', tracer, bin, ...args], { cwd: repo, env, encoding: 'utf8' });
  return { ...result, modules: readFileSync(trace, 'utf8').split('\n') };
}

describe('bin/cotton-backup.js', () => {
  it('runs the compiled CLI, and --help loads neither the host nor the backup machinery', () => {
    const { status, stdout, modules } = run(['--help']);
    expect(status).toBe(0);
    expect(stdout).toMatch(/^ {2}backup \[options\]/m); // the compiled backup plugin's commands are there
    const ours = modules.filter((url) => url.startsWith('file:') && !url.includes('/node_modules/'));
    expect(ours.filter((url) => url.endsWith('.ts'))).toEqual([]);
    expect(ours.filter((url) => url.includes('/dist/plugins/backup/')).length).toBeGreaterThan(0);
    const heavy = ['/node_modules/pg-boss/', '/node_modules/fastify/', '/node_modules/pg-listen/', '/node_modules/pino/', '/dist/src/cli/runtime.js', '/dist/src/host/host.js'];
    expect(heavy.filter((part) => modules.some((url) => url.includes(part)))).toEqual([]);
  });

  it("loads the compiled plugins when COTTON_PLUGINS_PATH names the repository's plugins folder", () => {
    const { status, stdout, modules } = run(['--help'], { COTTON_PLUGINS_PATH: join(repo, 'plugins') });
    expect(status).toBe(0);
    expect(stdout).toMatch(/^ {2}backup \[options\]/m);
    expect(modules.filter((url) => url.startsWith('file:') && !url.includes('/node_modules/') && url.endsWith('.ts'))).toEqual([]);
  });

  it('runs with NODE_FLAGS, started by its shebang or by `npm start`', () => {
    const start = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    // `exec`: npm's shell becomes node, so the SIGTERM npm forwards reaches the host (npm-start.int.spec.ts).
    expect(start).toBe(`exec node ${NODE_FLAGS.join(' ')} bin/cotton-backup.js serve`);
    // Executed as a program: the kernel reads the shebang (env -S splits its options).
    const probe = join(dir, 'exec-argv.mjs');
    const seen = join(dir, 'exec-argv.json');
    writeFileSync(probe, `import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(${JSON.stringify(seen)}, JSON.stringify(process.execArgv)));\n`);
    const env = { PATH: `${dirname(process.execPath)}:${process.env.PATH}`, HOME: process.env.HOME, NODE_OPTIONS: `--import ${probe}` };
    const result = spawnSync(bin, ['--version'], { cwd: repo, env, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(JSON.parse(readFileSync(seen, 'utf8'))).toEqual([...NODE_FLAGS]);
  });

  it('refuses, in one line and before loading anything, a `node` on the PATH older than Node 24', () => {
    // A `node` that says it is v20 (the machines' system node): the shebang finds it first.
    const fakeBin = join(dir, 'old-node');
    mkdirSync(fakeBin, { recursive: true });
    const pretend = join(dir, 'pretend-v20.mjs');
    writeFileSync(pretend, "Object.defineProperty(process, 'version', { value: 'v20.20.2' });\n");
    writeFileSync(join(fakeBin, 'node'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} --import ${JSON.stringify(pretend)} "$@"\n`, { mode: 0o755 });
    const result = spawnSync(bin, ['list'], { cwd: repo, env: { PATH: `${fakeBin}:${process.env.PATH}`, HOME: process.env.HOME }, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^cotton-backup: needs Node 24 or newer, and .* is v20\.20\.2: run it as `npx cotton-backup`/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('compiles again when a source is newer than the last build', () => {
    const stamp = join(repo, 'dist/.build-stamp');
    const compiledMain = join(repo, 'dist/src/cli/main.js');
    run(['--version']); // dist/ up to date
    const before = statSync(compiledMain).mtimeMs;
    writeFileSync(stamp, '0'); // as if every source had been edited since the build
    const { status, stdout } = run(['--version']);
    expect(status).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Number(readFileSync(stamp, 'utf8'))).toBeGreaterThan(0);
    expect(statSync(compiledMain).mtimeMs).toBeGreaterThan(before);
  });
});
