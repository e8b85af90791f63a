import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/program';

function sink() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

/** `cotton-backup <args>` in this process, over `env` only, with its output captured. */
export async function runCliCaptured(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = sink();
  const err = sink();
  const code = await runCli(['node', 'cotton-backup', ...args], { env, stdout: out.stream, stderr: err.stream });
  return { code, stdout: out.text(), stderr: err.text() };
}
