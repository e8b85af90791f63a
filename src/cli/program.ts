import { Command, CommanderError } from 'commander';
import { exitCodeTable } from '../contract/exit-codes';
import { HOST_VERSION } from '../host/paths';
import { DatabaseUnreachableError, isConnectionFailure } from '../db/connection-failure';
import { errorAsJson, exitCodeOfError, formatCliError } from './errors';
import { colourAllowed, tolerateClosedOutput, wantsJson } from './output';
import { registerCompletionCommand } from './completion';
import { registerPluginCommands } from './plugin-commands';
import { createDeferredRuntime } from './deferred-runtime';
import type { CliRuntime, CliRuntimeOptions } from './runtime';
import { registerServeCommand } from './serve';
import { registerStorageCommands } from './storage';

/** The `cotton-backup` program: host commands, then every plugin's `cli.ts` commands. */
export async function buildProgram(runtime: CliRuntime, options: { json?: boolean } = {}): Promise<Command> {
  const program = new Command('cotton-backup')
    .description('Plugin host and event-sourced PostgreSQL backup for Cotton Cloud. Configuration comes from COTTON_* environment variables.')
    .version(HOST_VERSION)
    .showHelpAfterError(!options.json)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void runtime.stdout.write(s),
      writeErr: (s) => void runtime.stderr.write(s),
      // Under --json a usage error is the one JSON line runCli writes, not commander's text.
      outputError: (s, write) => void (options.json ? undefined : write(s)),
      getOutHasColors: () => colourAllowed(runtime.stdout, runtime.env),
      getErrHasColors: () => colourAllowed(runtime.stderr, runtime.env),
    })
    .addHelpText('after', `\nExit codes (every command):\n${exitCodeTable()}\n`);
  registerServeCommand(program, runtime);
  registerStorageCommands(program, runtime);
  await registerPluginCommands(program, runtime);
  registerCompletionCommand(program, runtime.stdout);
  return program;
}

/**
 * Runs the CLI and returns its exit code: 0 on success, non-zero with one line on stderr
 * (`cotton-backup: <what went wrong>`) on failure, or under `--json` one JSON line
 * (`{"error":{"code","message","exitCode"}}`). Everything the runtime opened is closed.
 */
export async function runCli(argv: string[], options: CliRuntimeOptions = {}): Promise<number> {
  const { runtime, load } = createDeferredRuntime(options);
  tolerateClosedOutput(runtime.stdout);
  const json = wantsJson(argv);
  const fail = (failure: unknown, prefix = '') => {
    const error = described(failure, runtime);
    const message = prefix + runtime.redact(formatCliError(error)); // a tool's message may quote a secret
    runtime.stderr.write(json ? errorAsJson(error, message) : `cotton-backup: ${message}\n`);
  };
  let code = 0;
  try {
    const program = await buildProgram(runtime, { json });
    // `completion` reads only the command tree: it works with no configuration at all.
    program.hook('preAction', async (_program, action) => void (action.name() === 'completion' ? undefined : await load()));
    await program.parseAsync(argv);
  } catch (error) {
    // commander printed the help, the version or (without --json) its usage error itself
    if (!(error instanceof CommanderError) || (json && error.exitCode !== 0)) fail(error);
    code = exitCodeOfError(error);
  }
  try {
    await runtime.close();
  } catch (error) {
    fail(error, 'while closing: ');
    code ||= 1;
  }
  return code;
}

/** A command's unreachable database reads as `serve`'s does: where it tried and which variables to check. */
function described(error: unknown, runtime: CliRuntime): unknown {
  let database;
  try {
    database = runtime.config().database;
  } catch {
    return error; // no configuration to name: the failure as it came
  }
  return isConnectionFailure(error, database) ? new DatabaseUnreachableError(database, error) : error;
}
