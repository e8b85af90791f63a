import { execFile, spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { BackupPluginError } from '../core/errors';
import { toolEnvironment } from './child-environment';

export interface ConnectionTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
}

export class PgToolError extends BackupPluginError {
  constructor(
    readonly tool: string,
    message: string,
    /** The tool's own exit code (null when a signal ended it); the CLI's is the family's `exitCode`. */
    readonly toolExitCode?: number | null,
  ) {
    super('PG_TOOL_FAILED', message);
    this.name = 'PgToolError';
  }
}

/** The environment of a pg_dump/pg_restore child: an allow-list (child-environment.ts), the password as PGPASSWORD. */
export function childEnvironment(target: ConnectionTarget): NodeJS.ProcessEnv {
  return toolEnvironment(target);
}

export function connectionArguments(target: ConnectionTarget): string[] {
  return ['--host', target.host, '--port', String(target.port), '--username', target.user, '--no-password'];
}

/**
 * `--dbname` for a database *name*. libpq expands a `--dbname` value holding `=` or starting with
 * `postgresql://` into connection parameters (another database, host or user), while node-pg takes
 * the same value literally; a quoted `dbname='…'` string can only ever name that database.
 */
export function databaseArguments(database: string): string[] {
  return ['--dbname', `dbname='${database.replace(/[\\']/g, (c) => `\\${c}`)}'`];
}

/** "pg_dump (PostgreSQL) 15.20 (Debian …)" → { text: "15.20", major: 15 } */
export async function toolVersion(tool: 'pg_dump' | 'pg_restore'): Promise<{ text: string; major: number }> {
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(tool, ['--version'], { env: childEnvironment({ host: '', port: 0, database: '', user: '' }) }));
  } catch (error) {
    throw new PgToolError(tool, `${tool} is not runnable (${(error as Error).message}); install the PostgreSQL client tools`);
  }
  const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(stdout);
  if (!match) throw new PgToolError(tool, `cannot read ${tool}'s version from "${stdout.trim()}"`);
  return { text: match[2] === undefined ? match[1]! : `${match[1]}.${match[2]}`, major: Number(match[1]) };
}

export interface RunningTool {
  child: ChildProcess;
  stdout: Readable;
  /** Resolves on exit 0; rejects with PgToolError carrying the tail of stderr otherwise. */
  done: Promise<void>;
}

/** Spawns a PostgreSQL client tool; stderr is kept (its last 4 KiB) for the error message. */
export function runTool(tool: 'pg_dump' | 'pg_restore', args: string[], target: ConnectionTarget, signal?: AbortSignal): RunningTool {
  const child = spawn(tool, args, { env: childEnvironment(target), stdio: ['pipe', 'pipe', 'pipe'], signal });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => {
    stderr = (stderr + text).slice(-4096);
  });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (error) => reject(new PgToolError(tool, `${tool} could not run: ${error.message}`)));
    child.once('close', (code, signalName) => {
      if (code === 0) resolve();
      else
        reject(
          new PgToolError(tool, `${tool} exited with ${code ?? signalName}: ${stderr.trim() || '(no message)'}`, code),
        );
    });
  });
  done.catch(() => undefined); // observed by the caller; avoid an unhandled rejection in between
  return { child, stdout: child.stdout!, done };
}
