import { spawn } from 'node:child_process';
import { NODE_FLAGS } from '../src/cli/node-flags';

/**
 * Runs a bench script (`bench/<script>`) in a fresh Node process started as `cotton-backup` starts
 * (NODE_FLAGS), and resolves with the JSON of the last line it printed; rejects with the end of
 * its stderr when it exits non-zero.
 */
export function runScript<T>(script: string, args: string[], what: string): Promise<T> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, new URL(script, import.meta.url).pathname, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += String(d)));
    child.stderr.on('data', (d: Buffer) => (err += String(d)));
    child.once('error', fail);
    child.once('close', (code) => (code === 0 ? done(JSON.parse(out.trim().split('\n').pop()!) as T) : fail(new Error(`${what} exited ${code}: ${err.slice(-2000)}`))));
  });
}
