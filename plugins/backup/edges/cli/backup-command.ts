import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { Pool } from 'pg';
import type { CliRuntime } from '../../../../src/cli/runtime';
import { CliError, exitCodeOfError, formatCliError } from '../../../../src/cli/errors';
import { isCodedFailure } from '../../../../src/contract/coded-failure';
import { startProgress } from '../../../../src/cli/progress';
import { MAX_ATTEMPTS, REQUEST_FATE } from '../../requests/sql';
import { mib } from './cli-formats';
import { servicesFromRuntime, writeJson } from './services-from-runtime';

/**
 * `cotton-backup backup [--reason <text>] [--json]`. What an action runs is imported when it runs
 * (here and in every command file): registering the commands, and `--help`, load none of it.
 */
export function registerBackupCommand(program: Command, runtime: CliRuntime): void {
  program
    .command('backup')
    .description('run one backup now: pg_dump → chunks → Cotton storage → manifest → pointer')
    .option('--reason <text>', 'why (recorded in BackupRequested)', 'manual backup from the CLI')
    .option('--json', 'print the outcome as JSON')
    .action(async (opts: { reason: string; json?: boolean }) => {
      if (opts.reason.length > 500) throw new CliError('--reason must be at most 500 characters');
      const [services, { runBackup }, { BackupAlreadyRunningError }] = await Promise.all([
        servicesFromRuntime(runtime, { write: true }),
        import('../../take-backup/run-backup'),
        import('../../take-backup/backup-lock'),
      ]);
      // Recorded here and served by this process at once (not through the coordinator, which
      // would start a second, competing run for the same request).
      const requestId = randomUUID();
      await services.journal.append(
        `request-${requestId}`,
        [{ type: 'BackupRequested', data: { requestId, source: 'cli', reason: opts.reason, requestedBy: userInfo().username } }],
        { expectedVersion: 'no_stream' },
      );
      // The dump's size is not known ahead: the bytes dumped and their rate, no ETA.
      const bar = startProgress(runtime.stderr, { label: 'backup: dumped', json: opts.json });
      try {
        // The command prints the outcome itself: the run's start and end lines would say it twice.
        const logger = services.backup.logger;
        const quiet = logger && logger.levelVal < logger.levels.values.warn! ? logger.child({}, { level: 'warn' }) : logger;
        const outcome = await runBackup({ ...services.backup, logger: quiet }, {
          requestIds: [requestId],
          onProgress: (p) => bar.update(p.dumpedBytes, undefined, `chunks ${p.newChunks} new, ${p.reusedChunks} reused`),
        });
        bar.stop();
        if (opts.json) writeJson(runtime, { requestId, ...outcome });
        else
          runtime.stdout.write(
            `backup ${outcome.backupId}: ${mib(outcome.dumpSizeBytes)} in ${outcome.chunkCount} chunks ` +
              `(${outcome.newChunks} new, ${outcome.reusedChunks} reused, ${mib(outcome.bytesWritten)} written) in ${(outcome.durationMs / 1000).toFixed(1)} s\n` +
              `manifest ${outcome.manifestKey}\n`,
          );
      } catch (error) {
        bar.stop();
        if (error instanceof BackupAlreadyRunningError) throw new CliError(`${error.message}`, error.exitCode, error.code);
        // The request was recorded before the run: say whether a running host will still serve it.
        const fate = await requestFate(services.backup.pool, requestId);
        throw new CliError(`${formatCliError(error)}; ${fate}`, exitCodeOfError(error), isCodedFailure(error) ? error.code : undefined);
      }
    });
}

/** What becomes of a failed run's request: retried by a running host (`serve`), or closed. */
async function requestFate(pool: Pool, requestId: string): Promise<string> {
  try {
    const { rows } = await pool.query<{ status: string; failed_attempts: number }>(REQUEST_FATE, [requestId]);
    const r = rows[0];
    if (r?.status === 'retrying' || r?.status === 'pending')
      return `request ${requestId} stays open: a running host (\`serve\`) retries it (${r.failed_attempts} of ${MAX_ATTEMPTS} attempts failed)`;
    if (r?.status === 'failed') return `request ${requestId} is closed after ${r.failed_attempts} failed attempts: run \`backup\` again once the cause is fixed`;
    return `request ${requestId} is ${r?.status ?? 'not recorded'}`;
  } catch (error) {
    return `whether request ${requestId} stays open is unknown (the database did not answer: ${(error as Error).message})`;
  }
}
