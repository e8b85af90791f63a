import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCliCaptured, textSink } from '../../test/support/cli';
import { exitCodeTable } from '../contract/exit-codes';
import { runCli } from './program';

const fixtures = fileURLToPath(new URL('../../test/host/fixtures/', import.meta.url));

const run = (args: string[], env: NodeJS.ProcessEnv) => runCliCaptured(env, ...args);

describe('runCli', () => {
  it('adds the commands a plugin folder contributes in cli.ts', async () => {
    const env = { COTTON_PLUGINS_PATH: `${fixtures}cli-plugins`, COTTON_PG_DATABASE: 'somedb' };
    const help = await run(['--help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/hello <name>/);
    // The one exit-code table, as src/contract/exit-codes.ts has it.
    expect(help.stdout).toContain(`Exit codes (every command):\n${exitCodeTable()}\n`);
    const hello = await run(['hello', 'operator'], env);
    expect(hello).toEqual({ code: 0, stdout: 'hello operator from somedb\n', stderr: '' });
  });

  it('prints a configuration error as one line listing every problem, without secret values', async () => {
    const result = await run(['storage', 'ls'], { COTTON_MASTER_KEY: 'short-secret', COTTON_PG_PORT: 'x', COTTON_PLUGINS_PATH: '/nonexistent' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^cotton-backup: invalid configuration: .*COTTON_PG_PORT.*COTTON_MASTER_KEY: expected exactly 32 characters/);
    expect(result.stderr).not.toContain('short-secret');
  });

  it('finishes quietly when its output is closed by the reader (EPIPE), whatever the command', async () => {
    const closed = new Writable({
      write(_chunk, _enc, done) {
        done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const err = textSink();
    const env = { COTTON_PLUGINS_PATH: `${fixtures}cli-plugins`, COTTON_PG_DATABASE: 'somedb' };
    const code = await runCli(['node', 'cotton-backup', 'hello', 'operator'], { env, stdout: closed, stderr: err.stream });
    await new Promise((resolve) => setImmediate(resolve)); // the stream's 'error' event is emitted on a later tick
    expect({ code, stderr: err.text() }).toEqual({ code: 0, stderr: '' });
  });

  it('exits non-zero on unknown commands and bad keys', async () => {
    expect((await run(['frobnicate'], { COTTON_PLUGINS_PATH: '/nonexistent' })).code).not.toBe(0);
    const bad = await run(['storage', 'get', 'XYZ'], { COTTON_PLUGINS_PATH: '/nonexistent' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^cotton-backup: not a storage key/);
  });
});
