import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/program';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A stream that keeps what is written to it, as text. */
export function textSink(): { stream: Writable; text(): string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

/** Runs `cotton-backup <args>` in-process with `env`, capturing both streams as text. */
export async function runCliCaptured(env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliResult> {
  const out = textSink();
  const err = textSink();
  const code = await runCli(['node', 'cotton-backup', ...args], { env, stdout: out.stream, stderr: err.stream });
  return { code, stdout: out.text(), stderr: err.text() };
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
