import { CommanderError } from 'commander';
import { ConfigError } from '../config/config';
import { isCodedFailure } from '../contract/coded-failure';
import { EXIT_CODES } from '../contract/exit-codes';

function codeOfExit(exitCode: number): string {
  return Object.entries(EXIT_CODES).find(([, c]) => c.exitCode === exitCode)?.[0] ?? 'FAILED';
}

/** An error whose message is meant for the operator as is, with a chosen exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    /** A stable name for programs (`--json` errors); default the exit code's name in the table. */
    readonly code = codeOfExit(exitCode),
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** One line for stderr: what went wrong, every configuration problem included. */
export function formatCliError(error: unknown): string {
  if (error instanceof ConfigError) return `invalid configuration: ${error.problems.join('; ')}`;
  const message = error instanceof Error ? error.message : String(error);
  return message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .join('; ');
}

/** The exit code of a failure: the error's own (a CliError, the plugin's coded family, commander's), else 1. */
export function exitCodeOfError(error: unknown): number {
  return error instanceof CliError || isCodedFailure(error) || error instanceof CommanderError ? error.exitCode : EXIT_CODES.FAILED.exitCode;
}

/** The error under `--json`, one line on stderr: `{"error":{"code","message","exitCode"}}` (docs/cli-json.md). */
export function errorAsJson(error: unknown, message: string): string {
  const exitCode = exitCodeOfError(error);
  const code =
    error instanceof ConfigError ? 'INVALID_CONFIGURATION'
    : error instanceof CommanderError ? 'USAGE'
    : error instanceof CliError || isCodedFailure(error) ? error.code
    : codeOfExit(exitCode);
  return `${JSON.stringify({ error: { code, message, exitCode } })}\n`;
}
