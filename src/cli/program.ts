import { Command, CommanderError } from 'commander';
import { isCodedFailure } from '../contract/coded-failure';
import { HOST_VERSION } from '../host/paths';
import { CliError, formatCliError } from './errors';
import { tolerateClosedOutput } from './output';
import { registerPluginCommands } from './plugin-commands';
import { createDeferredRuntime } from './deferred-runtime';
import type { CliRuntime, CliRuntimeOptions } from './runtime';
import { registerServeCommand } from './serve';
import { registerStorageCommands } from './storage';

/** The `cotton-backup` program: host commands, then every plugin's `cli.ts` commands. */
export async function buildProgram(runtime: CliRuntime): Promise<Command> {
  const program = new Command('cotton-backup')
    .description('Plugin host and event-sourced PostgreSQL backup for Cotton Cloud. Configuration comes from COTTON_* environment variables.')
    .version(HOST_VERSION)
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void runtime.stdout.write(s),
      writeErr: (s) => void runtime.stderr.write(s),
    });
  registerServeCommand(program, runtime);
  registerStorageCommands(program, runtime);
  await registerPluginCommands(program, runtime);
  return program;
}

/**
 * Runs the CLI and returns its exit code: 0 on success, non-zero with one line on stderr
 * (`cotton-backup: <what went wrong>`) on failure. Everything the runtime opened is closed.
 */
export async function runCli(argv: string[], options: CliRuntimeOptions = {}): Promise<number> {
  const { runtime, load } = createDeferredRuntime(options);
  tolerateClosedOutput(runtime.stdout);
  let code = 0;
  try {
    const program = await buildProgram(runtime);
    program.hook('preAction', async () => void (await load()));
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      code = error.exitCode; // commander already printed its message or the help
    } else {
      runtime.stderr.write(`cotton-backup: ${runtime.redact(formatCliError(error))}\n`); // a tool's message may quote a secret
      code = error instanceof CliError || isCodedFailure(error) ? error.exitCode : 1;
    }
  }
  try {
    await runtime.close();
  } catch (error) {
    runtime.stderr.write(`cotton-backup: while closing: ${runtime.redact(formatCliError(error))}\n`);
    code ||= 1;
  }
  return code;
}
