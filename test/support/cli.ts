import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/program';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `cotton-backup <args>` in-process with `env`, capturing both streams as text. */
export async function runCliCaptured(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  const text = { stdout: '', stderr: '' };
  const sink = (name: keyof typeof text) =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        text[name] += chunk.toString();
        done();
      },
    });
  const code = await runCli(['node', 'cotton-backup', ...args], { env, stdout: sink('stdout'), stderr: sink('stderr') });
  return { code, ...text };
}
