import { join } from 'node:path';
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

/** The environment of a CLI run against `db` with the storage and local state under `root`. */
export function cliEnvironment(db: { env: Record<string, string> }, root: string, masterKey: string, pluginsPath: string): Record<string, string> {
  return {
    ...db.env,
    COTTON_MASTER_KEY: masterKey,
    COTTON_STORAGE_PATH: join(root, 'files'),
    COTTON_DATA_PATH: join(root, 'data'),
    COTTON_LOG_LEVEL: 'silent',
    COTTON_PLUGINS_PATH: pluginsPath,
  };
}
